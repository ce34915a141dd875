import type { DraftFlag } from "./document.js";

/** The fields a person changes; updatedAt/updatedBy follow from them and are left out of diffs. */
export const DIFF_FIELDS = ["enabled", "rollout", "allow", "deny", "description"] as const;
export type DiffField = (typeof DIFF_FIELDS)[number];

export interface FieldChange {
  field: DiffField;
  before: unknown;
  after: unknown;
}

export interface FlagChange {
  flag: string;
  change: "added" | "removed" | "changed";
  fields: FieldChange[];
}

/** Flag by flag (sorted by name), field by field: what `after` changes in `before`. */
export function diffFlags(before: Record<string, DraftFlag>, after: Record<string, DraftFlag>): FlagChange[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: FlagChange[] = [];
  for (const flag of names) {
    const b = before[flag];
    const a = after[flag];
    const fields = DIFF_FIELDS.filter((f) => !same(b?.[f], a?.[f])).map((field) => ({ field, before: b?.[field], after: a?.[field] }));
    if (!b) changes.push({ flag, change: "added", fields });
    else if (!a) changes.push({ flag, change: "removed", fields });
    else if (fields.length) changes.push({ flag, change: "changed", fields });
  }
  return changes;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

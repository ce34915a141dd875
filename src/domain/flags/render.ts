import type { Output } from "../../core/output.js";
import type { FieldChange, FlagChange } from "./diff.js";
import type { DraftFlag } from "./document.js";

/** "on", "on for 25%", "off" — what a flag does for users outside its allow and deny lists. */
export function stateOf(flag: DraftFlag): string {
  if (!flag.enabled) return "off";
  return flag.rollout === 100 ? "on" : flag.rollout === 0 ? "on for 0% (allow list only)" : `on for ${flag.rollout}%`;
}

/** The diff as lines: "+ name (new flag): …", "- name (deleted): …", "~ name: rollout 10 → 25". */
export function diffLines(changes: FlagChange[], out: Output): string[] {
  return changes.map((c) => {
    if (c.change === "added") return out.paint("green", `+ ${c.flag} (new flag): ${c.fields.map((f) => `${f.field} ${show(f.field, f.after)}`).join(", ")}`);
    if (c.change === "removed") return out.paint("red", `- ${c.flag} (deleted; was ${c.fields.map((f) => `${f.field} ${show(f.field, f.before)}`).join(", ")})`);
    return out.paint("yellow", `~ ${c.flag}: ${c.fields.map(describeField).join("; ")}`);
  });
}

function describeField(f: FieldChange): string {
  if (f.field === "allow" || f.field === "deny") {
    const before = (f.before as string[] | undefined) ?? [];
    const after = (f.after as string[] | undefined) ?? [];
    const added = after.filter((u) => !before.includes(u)).map((u) => `+${JSON.stringify(u)}`);
    const removed = before.filter((u) => !after.includes(u)).map((u) => `-${JSON.stringify(u)}`);
    return `${f.field} ${[...added, ...removed].join(" ")}`;
  }
  return `${f.field} ${show(f.field, f.before)} → ${show(f.field, f.after)}`;
}

function show(field: string, value: unknown): string {
  if (value === undefined) return "(none)";
  if (field === "rollout") return `${String(value)}%`;
  if (Array.isArray(value)) return value.length ? `[${value.map((v) => JSON.stringify(v)).join(", ")}]` : "[]";
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

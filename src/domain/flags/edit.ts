import type { DraftDocument, DraftFlag, FlagDocument } from "./document.js";
import { newFlag } from "./document.js";
import { findFlag, type FlagsLocation } from "./store.js";

export interface EditOptions {
  /** Create the flag when it does not exist (off, rollout 100), instead of exit 4. */
  create?: boolean;
  description?: string;
}

/** The document with one flag changed by `fn` (and its description set when given). */
export function editFlag(doc: FlagDocument, name: string, at: FlagsLocation, opts: EditOptions, fn: (flag: DraftFlag) => DraftFlag): DraftDocument {
  const existing = doc.flags[name] ?? (opts.create ? newFlag() : findFlag(doc, name, at, { createHint: true }));
  const changed = fn({ ...existing, allow: [...existing.allow], deny: [...existing.deny] });
  if (opts.description !== undefined) changed.description = opts.description;
  return { version: 1, flags: { ...doc.flags, [name]: changed } };
}

import { formatBytes } from "./images/parts.js";

/** How many keys a confirmation names before "and N more". */
export const NAMED_IN_CONFIRMATION = 5;

/**
 * What a confirmation is about, the same way everywhere: the count, the bytes where the target
 * reports them, and the first few keys: `3 key(s) (1.2 KiB): "a", "b", "c"` or
 * `1200 object(s) (3.4 MiB): "k1", …, "k5" and 1195 more`.
 */
export function describeTargets(opts: { keys: string[]; noun: string; total?: number; bytes?: number }): string {
  const total = opts.total ?? opts.keys.length;
  const named = opts.keys.slice(0, NAMED_IN_CONFIRMATION).map((k) => JSON.stringify(k));
  const more = total - named.length;
  const size = opts.bytes === undefined ? "" : ` (${formatBytes(opts.bytes)})`;
  const list = named.length ? `: ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}` : "";
  return `${total} ${opts.noun}(s)${size}${list}`;
}

import { UsageError } from "../../core/errors.js";

/** Flag names: lowercase, safe in URLs, logs and the app's code. */
export const FLAG_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const FLAG_NAME_RULE = 'flag names are 1-64 characters of a-z, 0-9, "_", "." and "-", starting with a letter or digit (e.g. new-checkout)';

export function checkFlagName(name: string, label = "<name>"): string {
  if (!FLAG_NAME.test(name)) throw new UsageError(`${label} ${JSON.stringify(name)}: ${FLAG_NAME_RULE}.`, "bad_flag_name");
  return name;
}

/** Known names close to `name` (typos, a missing or extra part), closest first. */
export function closeNames(name: string, known: readonly string[], max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return known
    .map((k) => ({ k, d: k.includes(name) || name.includes(k) ? Math.min(1, distance(name, k)) : distance(name, k) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((x) => x.k);
}

/** Levenshtein distance (names are ≤ 64 characters, so the simple table is fine). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

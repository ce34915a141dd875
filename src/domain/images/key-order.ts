/**
 * R2 lists keys in UTF-8 byte order and SQLite's BINARY collation compares TEXT the same way
 * (memcmp of UTF-8). UTF-8 byte order is code point order, which differs from JavaScript's `<`
 * (UTF-16 code units) for characters above U+FFFF against U+E000–U+FFFF: compare code points.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Surrogates (D800–DFFF, i.e. code points ≥ U+10000) sort after E000–FFFF in code point order. */
function rank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The smallest key greater than every key under `prefix`, when one is easy to state: a prefix that
 * ends in an ASCII character below 0x7F has "prefix with that character + 1" (e.g. uploads/ →
 * uploads0). Otherwise undefined (no upper bound is used).
 */
export function prefixEnd(prefix: string): string | undefined {
  if (!prefix) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0x7f) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

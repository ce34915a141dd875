import { UsageError } from "../../core/errors.js";
import { MiB } from "../../clients/r2-parts.js";

// R2's part facts live beside the R2 clients; re-exported for the upload command.
export { choosePartSize, MAX_PART, MAX_PARTS, MAX_SINGLE_PUT, MiB, MIN_PART, partRanges, PREFERRED_PART, type PartRange } from "../../clients/r2-parts.js";

const UNITS: Record<string, number> = { b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: MiB, g: 1e9, gb: 1e9, gib: 1024 * MiB };

/** "100MiB", "64MB", "5242880" → bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = (m?.[2] ?? "").toLowerCase() || "b";
  const factor = UNITS[unit];
  if (!m || factor === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)}: not a size. Use bytes or a unit, e.g. 100MiB, 64MB, 5242880.`, "bad_size");
  return Math.round(Number(m[1]) * factor);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

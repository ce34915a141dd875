import { UsageError } from "../../core/errors.js";

/** --timestamp as ISO 8601 / RFC 3339 or unix seconds → the ISO string D1's Time Travel API takes. */
export function parseTimestamp(raw: string, now: number): string {
  const ms = /^\d{9,11}(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : /^\d{4}-\d\d-\d\d/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--timestamp ${JSON.stringify(raw)}: not a time; use ISO 8601 (2026-12-01T14:05:00Z) or unix seconds (1764597900).`, "bad_timestamp");
  if (ms > now + 60_000) throw new UsageError(`--timestamp ${raw} is in the future; Time Travel goes back up to 30 days.`, "bad_timestamp");
  return new Date(ms).toISOString();
}

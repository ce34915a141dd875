import { UsageError } from "./errors.js";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * "90s", "90m", "12h", "30d", "2w" → milliseconds. `allowed` limits the units a flag takes
 * (cleanup ages start at minutes); anything else is refused with the accepted forms.
 */
export function parseDuration(text: string, flag: string, allowed = "smhdw"): number {
  const m = /^(\d+)([a-z])$/.exec(text.trim());
  const unit = m?.[2];
  const forms = [...allowed].map((u) => ({ s: "90s", m: "90m", h: "12h", d: "30d", w: "2w" })[u]).join(", ");
  if (m && unit && UNITS[unit] !== undefined && !allowed.includes(unit) && Number(m[1]) > 0) {
    // A real duration in a unit this flag does not take (e.g. seconds for cleanup ages).
    const names: Record<string, string> = { s: "seconds (s)", m: "minutes (m)", h: "hours (h)", d: "days (d)", w: "weeks (w)" };
    const order = "smhdw";
    const tooSmall = order.indexOf(unit) < order.indexOf(allowed[0]!);
    const bound = tooSmall ? `smallest unit ${flag} takes is ${names[allowed[0]!]}` : `largest unit ${flag} takes is ${names[allowed.at(-1)!]}`;
    throw new UsageError(`${flag} ${JSON.stringify(text)}: the ${bound}; use e.g. ${forms}.`, "bad_duration");
  }
  if (!m || !unit || !allowed.includes(unit) || UNITS[unit] === undefined || Number(m[1]) <= 0) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not a duration. Use a whole number and a unit, e.g. ${forms}.`, "bad_duration");
  }
  const ms = Number(m[1]) * UNITS[unit]!;
  // Beyond this, dates stop being representable ("Invalid time value"); no real age or TTL is that long.
  if (ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: too long; the longest duration kanvas takes is 100 years (36500d).`, "bad_duration");
  }
  return ms;
}

const MAX_DURATION_MS = 36_500 * UNITS.d!;

/** 5400000 → "1h 30m", for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ") || "0s";
}

import { UsageError } from "../../core/errors.js";

/** "25" or "25%" → 25; whole numbers 0..100 only (buckets are whole numbers 0..99). */
export function parseRollout(text: string, label = "<percent>"): number {
  const m = /^(\d{1,3})%?$/.exec(text.trim());
  const value = m ? Number(m[1]) : Number.NaN;
  if (!(value >= 0 && value <= 100)) {
    throw new UsageError(`${label} ${JSON.stringify(text)}: a rollout is a whole number from 0 to 100 (a trailing % is fine), e.g. 25 or 25%.`, "bad_rollout");
  }
  return value;
}

import { parseDuration } from "../../core/duration.js";
import { UsageError } from "../../core/errors.js";

/** Presigned URLs: 1 second to 7 days (SigV4's limit). */
export const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

export function parseExpiry(text: string, flag: string): number {
  let ms: number;
  try {
    ms = parseDuration(text, flag, "smhdw");
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not a duration. Use a whole number and a unit, from 1s to 7d (e.g. 90s, 15m, 1h, 7d).`, "bad_expiry");
  }
  const seconds = ms / 1000;
  if (seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
    throw new UsageError(`${flag} ${text}: presigned URLs last from 1s to 7d (604800 s). Pick a shorter expiry.`, "bad_expiry");
  }
  return seconds;
}

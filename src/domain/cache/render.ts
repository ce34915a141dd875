import { formatDuration } from "../../core/duration.js";

/** "2026-01-01T00:00:00.000Z (in 4m 59s)" for an expiry in unix seconds. */
export function describeExpiry(expiration: number | undefined, nowMs: number): string {
  if (expiration === undefined) return "never";
  const ms = expiration * 1000 - nowMs;
  return `${new Date(expiration * 1000).toISOString()} (${ms > 0 ? `in ${formatDuration(ms)}` : "expired"})`;
}

/** Text when the bytes are valid UTF-8, else undefined. */
export function asText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

import { UsageError } from "../../core/errors.js";
import { parseDuration } from "../../core/duration.js";
import { KV_LIMITS } from "../../clients/kv-limits.js";

// KV's limits live beside the KV clients; re-exported for the cache and flags commands.
export { KV_LIMITS };

/** Why a key is refused, or undefined when KV accepts it. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "is empty; KV keys need at least one character";
  if (key === "." || key === "..") return `"${key}" is not allowed as a key name by KV (it would be a path segment); pick another key`;
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > KV_LIMITS.maxKeyBytes) return `is ${bytes} bytes (UTF-8); KV keys are at most ${KV_LIMITS.maxKeyBytes} bytes, shorten it`;
  return undefined;
}

export function checkKey(key: string, label = "<key>"): string {
  const problem = keyProblem(key);
  if (problem) throw new UsageError(`${label} ${problem}.`, "bad_key");
  return key;
}

export function valueProblem(bytes: number): string | undefined {
  if (bytes > KV_LIMITS.maxValueBytes) return `is ${bytes} bytes; KV values are at most 25 MiB (${KV_LIMITS.maxValueBytes} bytes): store large blobs in R2 instead`;
  return undefined;
}

/** Why metadata is refused (it must serialise to ≤ 1024 bytes of JSON). */
export function metadataProblem(metadata: unknown): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(metadata), "utf8");
  if (bytes > KV_LIMITS.maxMetadataBytes) return `is ${bytes} bytes as JSON; KV metadata is at most ${KV_LIMITS.maxMetadataBytes} bytes, keep it small`;
  return undefined;
}

/** --metadata '<json>' → the parsed value, refused when not JSON or too large. */
export function parseMetadata(text: string, label = "--metadata"): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${label} is not valid JSON; pass an object such as '{"owner":"u1"}' (quote it for the shell).`, "bad_metadata");
  }
  const problem = metadataProblem(value);
  if (problem) throw new UsageError(`${label} ${problem}.`, "bad_metadata");
  return value;
}

/** --ttl "300" (seconds) or "5m" → seconds, at least KV's 60 s floor. */
export function parseTtl(text: string, label = "--ttl"): number {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : parseDuration(text, label, "smhdw") / 1000;
  if (!Number.isInteger(seconds) || seconds < KV_LIMITS.minTtlSeconds) {
    throw new UsageError(`${label} ${JSON.stringify(text)} is under KV's minimum of 60 seconds; use at least 60 (or 1m).`, "bad_ttl");
  }
  return seconds;
}

/** --expiration: unix seconds or an ISO time, at least 60 s in the future → unix seconds. */
export function parseExpiration(text: string, nowMs: number, label = "--expiration"): number {
  const t = text.trim();
  let seconds: number;
  if (/^\d+$/.test(t)) seconds = Number(t);
  else {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) {
      throw new UsageError(`${label} ${JSON.stringify(text)} is neither unix seconds nor an ISO time; use e.g. 1767225600 or 2026-01-01T00:00:00Z.`, "bad_expiration");
    }
    seconds = Math.floor(ms / 1000);
  }
  return checkExpiration(seconds, nowMs, label);
}

export function checkExpiration(seconds: number, nowMs: number, label = "--expiration"): number {
  const floor = Math.floor(nowMs / 1000) + KV_LIMITS.minTtlSeconds;
  if (!Number.isInteger(seconds) || seconds < floor) {
    throw new UsageError(`${label} ${seconds} (${isoOf(seconds)}) is not at least 60 seconds in the future, as KV requires; use a later time or --ttl.`, "bad_expiration");
  }
  return seconds;
}

function isoOf(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? "invalid time" : d.toISOString();
}

import { readFile } from "node:fs/promises";
import type { KvBulkPair } from "../../clients/kv.js";
import { UsageError, UserError } from "../../core/errors.js";
import { checkExpiration, keyProblem, metadataProblem, parseExpiration, parseTtl, valueProblem } from "./limits.js";

/** At most this many bad items are named in the one-line error. */
const NAMED_PROBLEMS = 5;
const ALLOWED = new Set(["key", "value", "ttl", "expiration_ttl", "expiration", "metadata", "base64"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads a `--bulk` file: a JSON array of `{ key, value, ttl?, expiration?, metadata?, base64? }`
 * (wrangler's `expiration_ttl` is accepted for `ttl`). Every item is checked before anything is
 * sent; the bad ones are named by index and key.
 */
export async function readBulkFile(file: string, nowMs: number, label = "--bulk"): Promise<KvBulkPair[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path.`, "bad_bulk_file");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not valid JSON (${(error as Error).message}); it must be an array of {"key","value"} objects.`, "bad_bulk_file");
  }
  if (!Array.isArray(data)) {
    throw new UsageError(`${label}: expected a JSON array of {"key","value"} objects, got ${data === null ? "null" : typeof data}.`, "bad_bulk_file");
  }
  const pairs: KvBulkPair[] = [];
  const problems: string[] = [];
  data.forEach((item, index) => {
    try {
      pairs.push(checkItem(item, nowMs));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const key = item && typeof item === "object" && typeof (item as { key?: unknown }).key === "string" ? ` key ${JSON.stringify(truncate((item as { key: string }).key))}` : "";
      problems.push(`item ${index}${key}: ${error.message.replace(/\.$/, "")}`);
    }
  });
  if (problems.length) {
    const more = problems.length > NAMED_PROBLEMS ? ` (and ${problems.length - NAMED_PROBLEMS} more)` : "";
    throw new UsageError(
      `${label}: ${problems.length} of ${data.length} item(s) invalid, nothing was written. ${problems.slice(0, NAMED_PROBLEMS).join("; ")}${more}.`,
      "bad_bulk_file",
    );
  }
  if (!pairs.length) throw new UsageError(`${label}: the array is empty; nothing to write.`, "bad_bulk_file");
  // A repeated key: the last one wins, as it would written in order (chunks in flight have no order).
  const byKey = new Map<string, KvBulkPair>();
  for (const p of pairs) {
    byKey.delete(p.key);
    byKey.set(p.key, p);
  }
  return [...byKey.values()];
}

function checkItem(item: unknown, nowMs: number): KvBulkPair {
  if (!item || typeof item !== "object" || Array.isArray(item)) throw new UsageError(`is not an object; use {"key": "...", "value": "..."}`);
  const o = item as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !ALLOWED.has(k));
  if (unknown.length) throw new UsageError(`unknown field(s) ${unknown.join(", ")}; allowed: ${[...ALLOWED].join(", ")}`);
  if (typeof o.key !== "string") throw new UsageError(`"key" must be a string`);
  const kp = keyProblem(o.key);
  if (kp) throw new UsageError(`key ${kp}`);
  if (typeof o.value !== "string") throw new UsageError(`"value" must be a string (JSON-encode objects, or base64 bytes with "base64": true)`);
  if (o.base64 !== undefined && typeof o.base64 !== "boolean") throw new UsageError(`"base64" must be true or false`);
  const base64 = o.base64 === true;
  if (base64 && (o.value.length % 4 !== 0 || !BASE64.test(o.value))) throw new UsageError(`"value" is not valid base64 although "base64" is true`);
  const bytes = base64 ? Buffer.from(o.value, "base64").length : Buffer.byteLength(o.value, "utf8");
  const vp = valueProblem(bytes);
  if (vp) throw new UsageError(`value ${vp}`);
  const pair: KvBulkPair = { key: o.key, value: o.value };
  if (base64) pair.base64 = true;
  const ttl = o.ttl ?? o.expiration_ttl;
  if (ttl !== undefined) {
    if (typeof ttl !== "number" && typeof ttl !== "string") throw new UsageError(`"ttl" must be seconds (≥ 60) or a duration such as "5m"`);
    pair.expirationTtl = parseTtl(String(ttl), "ttl");
  }
  if (o.expiration !== undefined) {
    if (typeof o.expiration === "number") pair.expiration = checkExpiration(o.expiration, nowMs, "expiration");
    else if (typeof o.expiration === "string") pair.expiration = parseExpiration(o.expiration, nowMs, "expiration");
    else throw new UsageError(`"expiration" must be unix seconds or an ISO time`);
  }
  if (o.metadata !== undefined) {
    const mp = metadataProblem(o.metadata);
    if (mp) throw new UsageError(`metadata ${mp}`);
    pair.metadata = o.metadata;
  }
  return pair;
}

function truncate(key: string): string {
  return key.length > 40 ? `${key.slice(0, 37)}...` : key;
}

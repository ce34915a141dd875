import type { TargetKind } from "../core/target.js";

/** A listed key: its name, expiry (unix seconds) and metadata, as KV lists them. */
export interface KvKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

export interface KvWriteOptions {
  /** unix seconds */
  expiration?: number;
  /** seconds, ≥ 60 */
  expirationTtl?: number;
  metadata?: unknown;
}

/** One pair of a bulk write, already validated (src/domain/cache/bulk-file.ts). */
export interface KvBulkPair extends KvWriteOptions {
  key: string;
  /** text, or base64 when `base64` is set (as the REST bulk API takes it) */
  value: string;
  base64?: boolean;
}

export interface KvBulkResult {
  /** keys written or deleted */
  done: number;
  /** keys still reported unsuccessful after kanvas's retries */
  failed: string[];
  /** requests sent (bulk chunks, or single calls locally) */
  requests: number;
}

export interface KvListPage {
  keys: KvKey[];
  /** absent on the last page */
  cursor?: string;
}

/** Workers KV, local (Miniflare) or remote (REST API). Clients never print; progress comes back through callbacks. */
export interface KvClient {
  readonly target: TargetKind;
  /** Confirms the namespace exists and answers; returns a one-line description. */
  check(): Promise<string>;
  /** The value's bytes, or undefined when the key does not exist (or has expired). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The key's metadata and expiry, or undefined when it does not exist. */
  describe(key: string): Promise<KvKey | undefined>;
  put(key: string, value: Uint8Array, opts?: KvWriteOptions): Promise<void>;
  /** One page of keys in KV order (pages of at most 1000). */
  listPage(opts: { prefix?: string; cursor?: string; limit?: number }): Promise<KvListPage>;
  /** Values as text for many keys (bulk get remotely, 100 a request); missing keys map to undefined. */
  getTexts(keys: string[]): Promise<Map<string, string | undefined>>;
  /** Writes many pairs: remotely in bulk requests of ≤ 10,000 pairs / 100 MB, a few in flight. */
  putMany(pairs: KvBulkPair[], onProgress?: (done: number) => void): Promise<KvBulkResult>;
  /** Deletes many keys: remotely in bulk requests of ≤ 10,000 keys. */
  deleteMany(keys: string[], onProgress?: (done: number) => void): Promise<KvBulkResult>;
}

/** Follows cursors until `limit` keys (or the end). */
export async function listAll(kv: KvClient, opts: { prefix?: string; limit?: number; signal?: AbortSignal; onPage?: (keys: number) => void }): Promise<KvKey[]> {
  const out: KvKey[] = [];
  let cursor: string | undefined;
  const max = opts.limit ?? Number.POSITIVE_INFINITY;
  do {
    const page = await kv.listPage({ prefix: opts.prefix, cursor, limit: Math.min(1000, Math.max(10, max - out.length)) });
    out.push(...page.keys);
    opts.onPage?.(page.keys.length);
    cursor = page.cursor;
  } while (cursor && out.length < max && !opts.signal?.aborted);
  return out.slice(0, max);
}

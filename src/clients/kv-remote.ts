import { KV_LIMITS } from "./kv-limits.js";
import { chunkPairs } from "./kv-chunks.js";
import { mapPool } from "../core/pool.js";
import { requireKv } from "../core/config/require.js";
import type { ClientDeps } from "./deps.js";
import { CloudflareServiceError, ConfigError, InterruptedError } from "../core/errors.js";
import { AGAIN, retryRounds } from "../core/poll.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";
import type { KvBulkPair, KvBulkResult, KvClient, KvKey } from "./kv.js";

/** Bulk requests in flight at once: enough to hide latency, few enough for the 1200 requests / 5 min budget. */
const IN_FLIGHT = 4;
/** Rounds of re-sending keys the API reported in `unsuccessful_keys` before giving up on them. */
const UNSUCCESSFUL_ROUNDS = 3;
/** Cloudflare's "key not found" code. */
const KEY_NOT_FOUND = 10009;

/** KV through the REST API (cloudflare SDK). Every call goes through the monitor; KV writes are idempotent. */
export function createRemoteKv(deps: ClientDeps & { api: ApiAccess }): KvClient {
  const kv = requireKv(deps.config);
  if (!kv.id) {
    throw new ConfigError(
      `--remote needs the namespace id: add id = "<namespace id>" to the [[kv_namespaces]] entry with binding = "${kv.binding}" (find it with 'wrangler kv namespace list').`,
      "config_kv_id_missing",
    );
  }
  const namespaceId = kv.id;
  const { sdk, accountId } = deps.api;
  const call = <T>(operation: string, what: string, fn: (opts: { signal: AbortSignal }) => Promise<T>) =>
    deps.monitor.call(
      "kv",
      operation,
      async () => {
        // The SDK never removes the abort listener it adds to a signal, so each request gets its own
        // child signal (dropped afterwards) instead of piling listeners onto the run's signal.
        const child = new AbortController();
        const abort = () => child.abort();
        deps.signal.addEventListener("abort", abort, { once: true });
        try {
          return await fn({ signal: child.signal });
        } catch (error) {
          throw mapApiError("kv", error, what);
        } finally {
          deps.signal.removeEventListener("abort", abort);
        }
      },
      { idempotent: true, retryAfterMs: apiRetryAfter },
    );
  // A missing key is 404 with code 10009; a missing namespace (10013) must stay an error.
  const notFound = (error: unknown) =>
    error instanceof CloudflareServiceError && error.status === 404 && (error.cfCode === KEY_NOT_FOUND || error.cfCode === undefined);

  /** Sends `items` in bulk requests, then re-sends the ones reported unsuccessful, a few rounds. */
  const bulk = async <T>(
    items: T[],
    keyOf: (item: T) => string,
    chunk: (items: T[]) => T[][],
    send: (items: T[]) => Promise<string[] | undefined>,
    onProgress?: (done: number) => void,
  ): Promise<KvBulkResult> => {
    let pending = items;
    let requests = 0;
    let done = 0;
    await retryRounds(async () => {
      const failedKeys = new Set<string>();
      await mapPool(
        chunk(pending),
        IN_FLIGHT,
        async (part) => {
          requests++;
          const unsuccessful = (await send(part)) ?? [];
          for (const k of unsuccessful) failedKeys.add(k);
          done += part.length - unsuccessful.length;
          onProgress?.(done);
        },
        deps.signal,
      );
      pending = pending.filter((item) => failedKeys.has(keyOf(item)));
      return pending.length ? AGAIN : true;
    }, { rounds: 1 + UNSUCCESSFUL_ROUNDS, delayMs: (n) => (n === 1 ? 0 : 250 * 2 ** (n - 1)), signal: deps.signal });
    // Interrupted between rounds: the keys still pending were not written; say so rather than report them failed.
    if (pending.length && deps.signal.aborted) throw new InterruptedError();
    return { done, failed: pending.map(keyOf), requests };
  };

  return {
    target: "remote",
    async check() {
      const ns = await call("namespace get", `KV namespace ${namespaceId}`, (opts) => sdk.kv.namespaces.get(namespaceId, { account_id: accountId }, opts));
      return `${kv.binding} → ${ns.title} (${namespaceId})`;
    },
    async get(key) {
      try {
        return await call("get", `KV get "${key}"`, async (opts) => {
          const res = await sdk.kv.namespaces.values.get(key, { account_id: accountId, namespace_id: namespaceId }, opts);
          return new Uint8Array(await res.arrayBuffer());
        });
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async describe(key) {
      // The keys list carries both metadata and expiry; the key is the first entry listed under itself.
      const page = await this.listPage({ prefix: key, limit: 10 });
      const first = page.keys[0];
      return first && first.name === key ? first : undefined;
    },
    async put(key, value, o = {}) {
      await call("put", `KV put "${key}"`, (opts) =>
        sdk.kv.namespaces.values.update(
          key,
          {
            account_id: accountId,
            namespace_id: namespaceId,
            value: new File([value], "value", { type: "application/octet-stream" }),
            ...(o.expiration !== undefined ? { expiration: o.expiration } : {}),
            ...(o.expirationTtl !== undefined ? { expiration_ttl: o.expirationTtl } : {}),
            // As a JSON string: the SDK would turn an object into metadata[field] form fields, which KV ignores.
            ...(o.metadata !== undefined ? { metadata: JSON.stringify(o.metadata) } : {}),
          },
          opts,
        ),
      );
    },
    async listPage({ prefix, cursor, limit }) {
      const page = await call("list", "KV list keys", (opts) =>
        sdk.kv.namespaces.keys.list(
          namespaceId,
          { account_id: accountId, limit: limit ?? KV_LIMITS.listPage, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) },
          opts,
        ),
      );
      const keys: KvKey[] = page.getPaginatedItems().map((k) => ({
        name: k.name,
        ...(k.expiration !== undefined ? { expiration: k.expiration } : {}),
        ...(k.metadata !== undefined && k.metadata !== null ? { metadata: k.metadata } : {}),
      }));
      const next = (page.result_info as { cursor?: string } | undefined)?.cursor;
      return { keys, cursor: next || undefined };
    },
    async getTexts(keys) {
      const out = new Map<string, string | undefined>();
      const parts: string[][] = [];
      for (let i = 0; i < keys.length; i += KV_LIMITS.bulkGetKeys) parts.push(keys.slice(i, i + KV_LIMITS.bulkGetKeys));
      await mapPool(
        parts,
        IN_FLIGHT,
        async (part) => {
          const res = await call("bulk get", "KV bulk get", (opts) =>
            sdk.kv.namespaces.bulkGet(namespaceId, { account_id: accountId, keys: part, type: "text" }, opts),
          );
          const values = (res as { values?: Record<string, unknown> } | null)?.values ?? {};
          for (const k of part) {
            const v = values[k];
            out.set(k, v === null || v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v));
          }
        },
        deps.signal,
      );
      return out;
    },
    async putMany(pairs, onProgress) {
      return bulk<KvBulkPair>(
        pairs,
        (p) => p.key,
        chunkPairs,
        async (part) => {
          const res = await call("bulk put", `KV bulk write of ${part.length} pairs`, (opts) =>
            sdk.kv.namespaces.bulkUpdate(namespaceId, { account_id: accountId, body: part.map(toBody) }, opts),
          );
          return res?.unsuccessful_keys;
        },
        onProgress,
      );
    },
    async deleteMany(keys, onProgress) {
      return bulk<string>(
        keys,
        (k) => k,
        (items) => {
          const parts: string[][] = [];
          for (let i = 0; i < items.length; i += KV_LIMITS.bulkDeleteKeys) parts.push(items.slice(i, i + KV_LIMITS.bulkDeleteKeys));
          return parts;
        },
        async (part) => {
          const res = await call("bulk delete", `KV bulk delete of ${part.length} keys`, (opts) =>
            sdk.kv.namespaces.bulkDelete(namespaceId, { account_id: accountId, body: part }, opts),
          );
          return res?.unsuccessful_keys;
        },
        onProgress,
      );
    },
  };
}

function toBody(p: KvBulkPair) {
  return {
    key: p.key,
    value: p.value,
    ...(p.base64 ? { base64: true } : {}),
    ...(p.expiration !== undefined ? { expiration: p.expiration } : {}),
    ...(p.expirationTtl !== undefined ? { expiration_ttl: p.expirationTtl } : {}),
    ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
  };
}


import type { Miniflare } from "miniflare";
import { chunkPairs } from "./kv-chunks.js";
import { mapPool } from "../core/pool.js";
import { KV_BULK_PUT_PATH } from "./miniflare.js";
import { requireKv } from "../core/config/require.js";
import type { ClientDeps } from "./deps.js";
import { mapMiniflareError } from "./miniflare-errors.js";
import type { KvBulkResult, KvClient, KvKey } from "./kv.js";

type LocalNamespace = Awaited<ReturnType<Miniflare["getKVNamespace"]>>;

/** Miniflare's KV has no bulk API; this many single calls run at once (its store is the bottleneck past ~32). */
const LOCAL_CONCURRENCY = 32;
/** Bulk puts through the worker's route: pairs and bytes per request, and requests in flight. */
const LOCAL_BULK_LIMITS = { pairs: 500, bytes: 16 * 1024 * 1024 };
const LOCAL_BULK_IN_FLIGHT = 2;

/** KV through Miniflare, in wrangler's persist layout: `wrangler kv … --local` sees the same keys. */
export function createLocalKv(deps: ClientDeps & { mf: Miniflare }): KvClient {
  const kv = requireKv(deps.config);
  let ns: LocalNamespace | undefined;
  const open = async () => (ns ??= await deps.mf.getKVNamespace(kv.binding));
  const run = <T>(operation: string, fn: (ns: LocalNamespace) => Promise<T>) =>
    deps.monitor.call(
      "kv",
      operation,
      async () => {
        try {
          return await fn(await open());
        } catch (error) {
          throw mapMiniflareError(error, "kv", { operation, signal: deps.signal });
        }
      },
      { idempotent: true },
    );

  const many = async (keys: readonly string[], op: (key: string) => Promise<void>, onProgress?: (done: number) => void): Promise<KvBulkResult> => {
    let done = 0;
    await mapPool(
      keys,
      LOCAL_CONCURRENCY,
      async (key) => {
        await op(key);
        done++;
        if (done % 1000 === 0) onProgress?.(done);
      },
      deps.signal,
    );
    onProgress?.(done);
    return { done, failed: [], requests: keys.length };
  };

  const client: KvClient = {
    target: "local",
    async check() {
      await run("check", (ns) => ns.list({ limit: 1 }));
      return `${kv.binding} (local id ${kv.localId})`;
    },
    async get(key) {
      const value = await run("get", (ns) => ns.get(key, { type: "arrayBuffer" }));
      return value === null ? undefined : new Uint8Array(value);
    },
    async describe(key) {
      // A key sorts before every longer key it prefixes, so it is the first entry listed under itself.
      const page = await run("list", (ns) => ns.list({ prefix: key, limit: 1 }));
      const first = page.keys[0];
      return first && first.name === key ? toKey(first) : undefined;
    },
    async put(key, value, opts = {}) {
      // Miniflare's proxy serialises plain Uint8Arrays only (a Buffer fails an internal assertion).
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
      await run("put", (ns) => ns.put(key, bytes, { expiration: opts.expiration, expirationTtl: opts.expirationTtl, metadata: opts.metadata }));
    },
    async listPage({ prefix, cursor, limit }) {
      const page = await run("list", (ns) => ns.list({ prefix: prefix || undefined, cursor: cursor || undefined, limit: limit ?? 1000 }));
      return { keys: page.keys.map(toKey), cursor: page.list_complete ? undefined : (page as { cursor?: string }).cursor };
    },
    async getTexts(keys) {
      const values = await mapPool(keys, LOCAL_CONCURRENCY, (key) => run("get", (ns) => ns.get(key, { type: "text" })), deps.signal);
      return new Map(keys.map((k, i) => [k, values[i] ?? undefined]));
    },
    async putMany(pairs, onProgress) {
      // Later pairs win for a repeated key, as with the REST bulk API.
      const unique = [...new Map(pairs.map((p) => [p.key, p])).values()];
      // Chunks go to the worker's bulk route, where the puts run side by side without a proxy round trip each.
      const chunks = chunkPairs(unique, LOCAL_BULK_LIMITS);
      let done = 0;
      await mapPool(
        chunks,
        LOCAL_BULK_IN_FLIGHT,
        async (chunk) => {
          await run("bulk put", async () => {
            const response = await deps.mf.dispatchFetch(`http://localhost${KV_BULK_PUT_PATH}`, { method: "POST", body: JSON.stringify(chunk) });
            const text = await response.text();
            if (!response.ok) throw new Error(text.split("\n")[0] || `bulk put failed: ${response.status}`);
          });
          done += chunk.length;
          onProgress?.(done);
        },
        deps.signal,
      );
      return { done, failed: [], requests: chunks.length };
    },
    async deleteMany(keys, onProgress) {
      return many(keys, (key) => run("delete", (ns) => ns.delete(key)), onProgress);
    },
  };
  return client;
}

function toKey(k: { name: string; expiration?: number; metadata?: unknown }): KvKey {
  const out: KvKey = { name: k.name };
  if (k.expiration !== undefined) out.expiration = k.expiration;
  if (k.metadata !== undefined && k.metadata !== null) out.metadata = k.metadata;
  return out;
}

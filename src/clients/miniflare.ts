import path from "node:path";
import { Miniflare } from "miniflare";
import type { Config } from "../config/types.js";
import { D1_RAW_PATH, D1_RAW_ROUTE_SOURCE } from "./d1-local-raw.js";

/** The workers runtime's "today" must not be later than what this workerd build supports. */
const COMPATIBILITY_DATE = "2026-04-01";

/**
 * One Miniflare per kanvas run, with the same bindings, ids and persist layout as
 * `wrangler --local` (`<persistTo>/v3/{d1,kv,r2}`), so both tools see the same data.
 */
export async function startMiniflare(config: Config): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    script: workerScript(config.kv?.binding, config.d1?.binding),
    compatibilityDate: COMPATIBILITY_DATE,
    defaultPersistRoot: localStateRoot(config),
    d1Databases: config.d1 ? { [config.d1.binding]: config.d1.localId } : {},
    kvNamespaces: config.kv ? { [config.kv.binding]: config.kv.localId } : {},
    r2Buckets: config.r2 ? { [config.r2.binding]: config.r2.localId } : {},
    log: undefined,
  });
  await mf.ready;
  return mf;
}

/**
 * The worker behind the bindings. Besides 404 it serves two routes: a bulk KV put, since Miniflare's
 * KV has no bulk API and each put from outside costs a round trip through its proxy; and `db query`'s
 * D1 rows as an NDJSON stream (d1-local-raw.ts).
 */
function workerScript(kvBinding: string | undefined, d1Binding?: string): string {
  return `
const BINDING = ${JSON.stringify(kvBinding ?? null)};
const D1_BINDING = ${JSON.stringify(d1Binding ?? null)};
${D1_RAW_ROUTE_SOURCE}
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (D1_BINDING && request.method === "POST" && url.pathname === "${D1_RAW_PATH}") return d1Raw(request, env[D1_BINDING]);
    if (BINDING && request.method === "POST" && url.pathname === "${KV_BULK_PUT_PATH}") {
      const pairs = await request.json();
      try {
        await Promise.all(pairs.map((p) => env[BINDING].put(p.key, p.base64 ? bytes(p.value) : p.value, {
          expiration: p.expiration, expirationTtl: p.expirationTtl, metadata: p.metadata,
        })));
      } catch (error) {
        return new Response(String(error && error.message || error), { status: 500 });
      }
      return Response.json({ written: pairs.length });
    }
    return new Response(null, { status: 404 });
  },
};`;
}

/** The Miniflare worker's route for bulk KV puts (see workerScript). */
export const KV_BULK_PUT_PATH = "/__kanvas/kv/bulk-put";

/** `<persistTo>/v3`: the folder wrangler's local mode reads. */
export function localStateRoot(config: Config): string {
  return path.join(config.persistTo, "v3");
}

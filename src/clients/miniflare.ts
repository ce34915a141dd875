import path from "node:path";
import type { Miniflare } from "miniflare";
import type { Config } from "../core/config/types.js";
import { D1_RAW_PATH, D1_RAW_ROUTE_SOURCE } from "./d1-local-raw.js";
import { refuseUpgradedState, startFailure } from "./runtime-failure.js";
import { beforeRuntimeStart } from "./runtime-lifetime.js";
import { loadMiniflare, miniflareOptions, type LocalRuntime } from "./runtime.js";

/** workerd's last lines, kept to explain a failed start (never printed as they are). */
const KEPT_RUNTIME_LINES = 40;

/**
 * One Miniflare per kanvas run, with the same bindings, ids and persist layout as
 * `wrangler --local` (`<persistTo>/v3/{d1,kv,r2}`), so both tools see the same data.
 * `runtime` (src/clients/runtime.ts) says which Miniflare and workerd; this is the one place
 * where a Miniflare is constructed and started.
 */
export async function startMiniflare(config: Config, runtime: LocalRuntime, cwd: string): Promise<Miniflare> {
  const where = { stateRoot: localStateRoot(config), runtime, cwd };
  // State a newer workerd upgraded would crash this one: refuse before anything starts or is written.
  refuseUpgradedState(where);
  const mod = await loadMiniflare(runtime);
  const lines: string[] = [];
  const onRuntimeLine = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_RUNTIME_LINES) lines.shift();
  };
  let mf: Miniflare | undefined;
  // workerd behind bin/kanvas-runtime (dies with kanvas, out of the terminal's process group);
  // Miniflare's own exit-on-signal hooks come off again, so kanvas cleans up before it exits.
  const afterRuntimeStart = beforeRuntimeStart(runtime.miniflare.dir);
  try {
    mf = new mod.Miniflare(
      miniflareOptions(mod, runtime, {
        script: workerScript(config.kv?.binding, config.d1?.binding),
        persistRoot: where.stateRoot,
        d1Databases: config.d1 ? { [config.d1.binding]: config.d1.localId } : {},
        kvNamespaces: config.kv ? { [config.kv.binding]: config.kv.localId } : {},
        r2Buckets: config.r2 ? { [config.r2.binding]: config.r2.localId } : {},
        onRuntimeLine,
      }),
    );
    afterRuntimeStart();
    await mf.ready;
  } catch (error) {
    // workerd's last lines may still be in its pipes when `ready` rejects: give them up to a second.
    for (let waited = 0; lines.length === 0 && waited < 1_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await mf?.dispose().catch(() => undefined);
    throw startFailure(error, lines, where);
  }
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

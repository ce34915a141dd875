import path from "node:path";
import { Miniflare } from "miniflare";
import type { Config } from "../config/types.js";

/** The workers runtime's "today" must not be later than what this workerd build supports. */
const COMPATIBILITY_DATE = "2026-04-01";

/**
 * One Miniflare per kanvas run, with the same bindings, ids and persist layout as
 * `wrangler --local` (`<persistTo>/v3/{d1,kv,r2}`), so both tools see the same data.
 */
export async function startMiniflare(config: Config): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } };",
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

/** `<persistTo>/v3`: the folder wrangler's local mode reads. */
export function localStateRoot(config: Config): string {
  return path.join(config.persistTo, "v3");
}

import type { Miniflare } from "miniflare";
import { requireKv } from "../config/require.js";
import type { ClientDeps } from "../context.js";
import type { KvClient } from "./kv.js";

export function createLocalKv(deps: ClientDeps & { mf: Miniflare }): KvClient {
  const kv = requireKv(deps.config);
  return {
    target: "local",
    async check() {
      const ns = await deps.mf.getKVNamespace(kv.binding);
      await ns.list({ limit: 1 });
      return `${kv.binding} (local id ${kv.localId})`;
    },
  };
}

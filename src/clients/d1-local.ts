import type { Miniflare } from "miniflare";
import { requireD1 } from "../config/require.js";
import type { ClientDeps } from "../context.js";
import type { D1Client } from "./d1.js";

export function createLocalD1(deps: ClientDeps & { mf: Miniflare }): D1Client {
  const d1 = requireD1(deps.config);
  return {
    target: "local",
    async check() {
      const db = await deps.mf.getD1Database(d1.binding);
      await db.prepare("SELECT 1").first();
      return `${d1.databaseName ?? d1.binding} (local id ${d1.localId})`;
    },
  };
}

import type { Miniflare } from "miniflare";
import { requireR2 } from "../config/require.js";
import type { ClientDeps } from "../context.js";
import type { R2Client } from "./r2.js";

export function createLocalR2(deps: ClientDeps & { mf: Miniflare }): R2Client {
  const r2 = requireR2(deps.config);
  return {
    target: "local",
    async check() {
      const bucket = await deps.mf.getR2Bucket(r2.binding);
      await bucket.list({ limit: 1 });
      return `${r2.localId} (local)`;
    },
  };
}

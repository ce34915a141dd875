import type { TargetKind } from "../target.js";

/** Workers KV, local (Miniflare) or remote (REST API). Extended by the cache commands. */
export interface KvClient {
  readonly target: TargetKind;
  /** Confirms the namespace exists and answers; returns a one-line description. */
  check(): Promise<string>;
}

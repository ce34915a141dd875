import type { TargetKind } from "../target.js";

/** D1, local (Miniflare) or remote (REST API). Extended by the D1 commands. */
export interface D1Client {
  readonly target: TargetKind;
  /** Confirms the database exists and answers; returns a one-line description (name and id). */
  check(): Promise<string>;
}

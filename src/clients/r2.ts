import type { TargetKind } from "../target.js";

/** R2, local (Miniflare) or remote (S3 API). Extended by the images commands. */
export interface R2Client {
  readonly target: TargetKind;
  /** Confirms the bucket exists and answers; returns a one-line description. */
  check(): Promise<string>;
}

import { readdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../core/config/types.js";
import { localStateRoot } from "./miniflare.js";

/**
 * Miniflare's R2 answers an AbortMultipartUpload before it deletes the parts' blob files: it
 * queues the deletes in the background (R2BucketObject#backgroundDelete, Miniflare 4). kanvas
 * disposes Miniflare (SIGKILL to workerd) right after an interrupted upload, which would cut
 * those deletes short and leave part blobs in .wrangler/state/v3/r2/<bucket>/blobs. So after an
 * abort we wait until the blob folder has stopped changing (no unlink for `quietMs`), at most
 * `ceilingMs`: the deletes are local unlinks, done within milliseconds even on a loaded machine.
 */
export async function waitForBlobDeletes(config: Config, bucket: string, opts = { quietMs: 200, ceilingMs: 5_000 }): Promise<void> {
  const dir = path.join(localStateRoot(config), "r2", bucket, "blobs");
  const started = Date.now();
  let last = await listing(dir);
  let quietSince = Date.now();
  while (Date.now() - started < opts.ceilingMs) {
    await sleep(20);
    const now = await listing(dir);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= opts.quietMs) {
      return;
    }
  }
}

async function listing(dir: string): Promise<string> {
  try {
    return (await readdir(dir)).sort().join("\n");
  } catch {
    return "";
  }
}

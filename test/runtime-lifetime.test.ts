import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { withoutLocalRetries } from "./helpers/local-retries.js";
import { processTree, signalGroup, waitUntilGone } from "./helpers/process-group.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

// The local runtime (workerd) belongs to kanvas: a terminal's Ctrl-C reaches kanvas only, kanvas
// cleans up first, and whatever ends kanvas, workerd ends with it.

const WRANGLER = wranglerToml({ compatibilityDate: null, d1: false, kv: false, rateLimits: false });
const MiB = 1024 * 1024;

function bigUploadProject() {
  const p = tempProject({ wrangler: WRANGLER, migrations: false });
  // 100 MiB in 5 MiB parts: 20 parts, so the signal lands while parts are still going up.
  // PNG magic bytes first: an image by its bytes, so no "not an image" warning joins stderr.
  p.write("big.bin", pngLike(100 * MiB));
  return p;
}

/** Bytes in every file under `dir` (0 when it does not exist). */
function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Waits (polling the file system, with a safety ceiling only) until Miniflare has stored a first part. */
async function firstPartStored(blobs: string): Promise<void> {
  const ceiling = Date.now() + 120_000;
  while (bytesUnder(blobs) === 0) {
    if (Date.now() > ceiling) throw new Error("no part was stored within 120 s");
    await sleep(25);
  }
}

describe("local runtime lifetime (real bin/kanvas, process groups as a terminal makes them)", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} to the whole process group aborts a local multipart upload: no part left, exit 130, no process left`, async () => {
      const p = bigUploadProject();
      const blobs = p.file(".wrangler/state/v3/r2/kanvas-images/blobs");
      const run = spawnKanvas(["images", "upload", "big.bin", "--key", "big.bin", "--multipart-threshold", "5MiB"], { cwd: p.dir, detached: true });
      await firstPartStored(blobs);
      const tree = processTree(run.child.pid!);
      expect(tree.map((x) => x.command)).toContain("workerd");
      signalGroup(run.child.pid!, signal);
      const r = await run.done;
      expect(r.code).toBe(130);
      // The whole of stderr: kanvas's own lines only, one error line, no runtime noise or stack.
      expect(withoutLocalRetries(r.stderr.split("\n"))).toEqual([
        "Target: local — Miniflare state in .wrangler/state/v3 (add --remote for Cloudflare)",
        "",
        `Received ${signal}: stopping after the step in flight (press Ctrl-C again to force).`,
        "error: Interrupted: the multipart upload of big.bin was aborted; no parts are left behind.",
        "",
      ]);
      expect(r.stdout).toBe("");
      expect(bytesUnder(blobs)).toBe(0);
      await waitUntilGone(tree, 120_000);
      // Nothing is left in progress or half-written: the bucket is empty.
      const list = await runKanvas("images list --json", { cwd: p.dir });
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([]);
    }, 240_000);
  }

  it("kill -9 of kanvas mid-upload takes workerd with it within 5 s", async () => {
    const p = bigUploadProject();
    const run = spawnKanvas(["images", "upload", "big.bin", "--key", "big.bin", "--multipart-threshold", "5MiB"], { cwd: p.dir, detached: true });
    await firstPartStored(p.file(".wrangler/state/v3/r2/kanvas-images/blobs"));
    const tree = processTree(run.child.pid!);
    expect(tree.map((x) => x.command)).toContain("workerd");
    process.kill(run.child.pid!, "SIGKILL"); // kanvas only, not its group: workerd must go by itself
    await run.done;
    await expect(waitUntilGone(tree, 5_000)).resolves.toBeLessThanOrEqual(5_000);
  }, 240_000);
});

function pngLike(size: number): Buffer {
  const buf = Buffer.alloc(size, 7);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(buf);
  return buf;
}

#!/usr/bin/env node
// Interrupt a 300 MB local multipart upload the way a terminal does (SIGINT to the whole process
// group) once ~40 % of its parts are stored, then measure what is left in .wrangler/state/v3/r2.
// Usage: npm run build && node bench/signals/interrupt-local-upload.mjs
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const kanvas = path.resolve(import.meta.dirname, "../../bin/kanvas");
const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-int-"));
writeFileSync(path.join(dir, "wrangler.toml"), 'name = "kanvas"\n[[r2_buckets]]\nbinding = "KANVAS_IMAGES"\nbucket_name = "kanvas-images"\n');
writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(300 * 1024 * 1024, 7));
const bytes = (d) => (existsSync(d) ? readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0) : 0);
const blobs = path.join(dir, ".wrangler/state/v3/r2/kanvas-images/blobs");
const child = spawn(process.execPath, [kanvas, "images", "upload", "big.bin", "--key", "big.bin", "--multipart-threshold", "5MiB"], { cwd: dir, detached: true, stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
child.stderr.on("data", (d) => (stderr += d));
let sent;
const poll = setInterval(() => {
  if (existsSync(blobs) && readdirSync(blobs).filter((n) => !n.startsWith(".")).length >= 7) {
    clearInterval(poll);
    console.log(`part blobs stored at the signal: ${bytes(blobs)} bytes`);
    sent = Date.now();
    process.kill(-child.pid, "SIGINT");
  }
}, 20);
child.on("exit", (code) => {
  console.log(`exit ${code}, ${((Date.now() - sent) / 1000).toFixed(2)} s after SIGINT\n${stderr.trim()}`);
  console.log(`left: part blobs ${bytes(blobs)} bytes; whole .wrangler/state/v3/r2 ${bytes(path.join(dir, ".wrangler/state/v3/r2"))} bytes (Miniflare's SQLite metadata)`);
  rmSync(dir, { recursive: true, force: true });
});

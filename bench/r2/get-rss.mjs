// Peak memory of `kanvas images get` for a 1 GiB object, local (Miniflare) and remote (s3rver),
// with `aws s3 cp … -` style download as the remote peer. Peak RSS = the process's VmHWM, sampled
// from /proc every 20 ms; for local also the workerd child (Miniflare) it starts.
// Usage: node bench/r2/get-rss.mjs [sizeMiB=1024] [runs=2]
import { createHash } from "node:crypto";
import { createReadStream, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { benchProject, BUCKET, kanvasBin, startS3rver, writeResults } from "./lib.mjs";

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 2);
const dir = benchProject();
const src = path.join(dir, "big.bin");

// Deterministic, incompressible-ish content (so nothing can shortcut it).
const fd = openSync(src, "w");
const block = Buffer.alloc(MiB);
for (let i = 0; i < sizeMiB; i++) {
  createHash("sha256").update(String(i)).digest().copy(block, 0);
  for (let j = 32; j < MiB; j += 32) block.writeUInt32LE((i * 2654435761 + j) >>> 0, j);
  writeSync(fd, block);
}
closeSync(fd);

const sha = (file) => new Promise((resolve, reject) => {
  const h = createHash("sha256");
  createReadStream(file).on("data", (c) => h.update(c)).on("end", () => resolve(h.digest("hex"))).on("error", reject);
});
const want = await sha(src);

function descendants(pid) {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.flatMap((k) => [k, ...descendants(k)]);
  } catch {
    return [];
  }
}
const hwm = (pid) => {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

/** Runs a command; peak RSS of it and (separately) of its largest descendant. */
function measure(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    let self = 0;
    let kids = 0;
    child.stderr.on("data", (c) => (err += c));
    const timer = setInterval(() => {
      self = Math.max(self, hwm(child.pid));
      for (const k of descendants(child.pid)) kids = Math.max(kids, hwm(k));
    }, 20);
    child.on("close", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err}`));
      else resolve({ self, kids, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" };
const s3 = await startS3rver();
const remoteEnv = { ...baseEnv, R2_ENDPOINT: s3.endpoint, R2_ACCESS_KEY_ID: "S3RVER", R2_SECRET_ACCESS_KEY: "S3RVER", CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" };
const awsEnv = { ...baseEnv, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_DEFAULT_REGION: "us-east-1" };
try {
  const key = "bench/big.bin";
  await measure(process.execPath, [kanvasBin, "images", "upload", src, "--key", key, "--local"], baseEnv);
  await measure(process.execPath, [kanvasBin, "images", "upload", src, "--key", key, "--remote"], remoteEnv);
  const rows = { "kanvas images get --local": [], "kanvas images get --remote": [], "aws s3 cp (remote)": [] };
  const out = path.join(dir, "out.bin");
  for (let r = 0; r < runs; r++) {
    for (const [name, cmd, args, env] of [
      ["kanvas images get --local", process.execPath, [kanvasBin, "images", "get", key, "-o", out, "--force", "--local"], baseEnv],
      ["kanvas images get --remote", process.execPath, [kanvasBin, "images", "get", key, "-o", out, "--force", "--remote"], remoteEnv],
      ["aws s3 cp (remote)", "aws", ["s3", "cp", `s3://${BUCKET}/${key}`, out, "--endpoint-url", s3.endpoint, "--no-progress"], awsEnv],
    ]) {
      rmSync(out, { force: true });
      const m = await measure(cmd, args, env);
      if ((await sha(out)) !== want) throw new Error(`${name}: downloaded bytes differ`);
      rows[name].push(m);
      console.error(`${name}: peak ${m.self.toFixed(0)} MB (child ${m.kids.toFixed(0)} MB), ${m.seconds.toFixed(1)} s`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const md = [
    `### images get of a ${sizeMiB} MiB object: peak memory`,
    "",
    `${runs} interleaved runs each, the higher of the runs (the upper median); bytes checked by SHA-256 after every run; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}; ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| command | peak RSS (MB) | largest child's peak RSS (MB) | seconds |",
    "|---|---|---|---|",
    ...Object.entries(rows).map(([name, ms]) => `| ${name} | ${median(ms.map((m) => m.self)).toFixed(0)} | ${ms[0].kids ? median(ms.map((m) => m.kids)).toFixed(0) : "-"} | ${median(ms.map((m) => m.seconds)).toFixed(1)} |`),
    "",
    "Local reads stream through Miniflare's proxy (the child column is workerd, which holds the whole object while Miniflare serves it: 1.4 GB for 1 GiB, a Miniflare limit kanvas cannot stream around); a Node process with Miniflare loaded and nothing read peaks at about 164 MB here, so the local figure is that plus the stream. Remote streams the S3 GetObject body to a temp file with back-pressure, then renames it.",
  ].join("\n");
  console.log(md);
  writeResults("images-get-rss", md);
} finally {
  s3.close();
  rmSync(dir, { recursive: true, force: true });
}

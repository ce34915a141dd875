// Shared pieces of the R2 benchmarks: s3rver in a child process, a request-counting front,
// a D1 stub (no asset rows, so nothing is "referenced"), peak-RSS sampling and markdown output.
import { fork, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUCKET = "kanvas-images";
export const ACCOUNT = "0123456789abcdef0123456789abcdef";
export const DB_ID = "00000000-0000-4000-8000-000000000000";

/** s3rver 3.7.1 with --openssl-legacy-provider (needed past 1000 keys), as the tests run it. */
export async function startS3rver() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-s3rver-"));
  const child = fork(path.join(ROOT, "test/helpers/s3rver-process.cjs"), [], {
    env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider", S3RVER_DIR: dir, S3RVER_BUCKET: BUCKET },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const port = await new Promise((resolve, reject) => {
    child.on("message", (m) => (m.type === "listening" ? resolve(m.port) : reject(new Error(m.message))));
    child.on("exit", (c) => reject(new Error(`s3rver exited ${c}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    objectPath: (key) => {
      const parts = key.split("/");
      const last = parts.pop();
      return path.join(dir, BUCKET, ...parts, `${last}._S3rver_object`);
    },
    close: () => {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function opOf(method, url) {
  const q = url.searchParams;
  if (method === "POST" && q.has("delete")) return "DeleteObjects";
  if (method === "GET" && url.pathname.split("/").filter(Boolean).length === 1) return "List";
  if (method === "DELETE") return "DeleteObject";
  if (method === "HEAD") return "Head";
  return method;
}

/** A pass-through proxy that counts requests by operation. */
export async function startCountingProxy(upstream) {
  const counts = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const up = new URL(upstream);
  const server = http.createServer((req, res) => {
    const op = opOf(req.method, new URL(req.url, "http://x"));
    counts[op] = (counts[op] ?? 0) + 1;
    const p = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    p.on("error", () => res.destroy());
    req.pipe(p);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    counts,
    reset: () => Object.keys(counts).forEach((k) => delete counts[k]),
    close: () => {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

/**
 * The D1 query endpoint: every SELECT has no rows (no asset is referenced), and the cleanup lock's
 * upsert (`… RETURNING holder`) wins, as it does on an idle database. One result per statement.
 */
export async function startD1Stub() {
  let queries = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      queries++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      const statements = body.batch ?? [body];
      const result = statements.map((s) => ({
        success: true,
        results: /RETURNING holder/.test(s.sql ?? "") ? [{ holder: s.params?.[1] }] : [],
        meta: { changes: 0, duration: 0.1, rows_read: 0, rows_written: 0 },
      }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { baseURL: `http://127.0.0.1:${server.address().port}/client/v4`, queries: () => queries, close: () => server.close() };
}

/** A temp project whose wrangler.toml has the app's R2 bucket and a D1 database id. */
export function benchProject() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-"));
  writeFileSync(
    path.join(dir, "wrangler.toml"),
    `name = "kanvas"\n[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "kanvas-db"\ndatabase_id = "${DB_ID}"\n\n[[r2_buckets]]\nbinding = "KANVAS_IMAGES"\nbucket_name = "${BUCKET}"\n`,
  );
  return dir;
}

/** Runs a command; samples its peak RSS (VmHWM) from /proc while it runs. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let peakKb = 0;
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    };
    const timer = setInterval(sample, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err}`));
      else resolve({ code, out, err, seconds, peakMb: peakKb / 1024 });
    });
  });
}

export function writeResults(section, markdown) {
  const file = path.join(ROOT, "bench/results/r2.md");
  mkdirSync(path.dirname(file), { recursive: true });
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = "# R2 benchmarks (kanvas images)\n";
  }
  const start = `<!-- ${section} -->`;
  const end = `<!-- /${section} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  return file;
}

export const kanvasBin = path.join(ROOT, "bin/kanvas");

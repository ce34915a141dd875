/**
 * Issue 6 §6 — secrets. Every command runs with --verbose (HTTP trace, stack traces), --json and
 * --metrics-file, with sentinel values as CLOUDFLARE_API_TOKEN and R2_SECRET_ACCESS_KEY — successful runs,
 * a rejected token (401), a 500, an S3 outage and a bug-like unexpected error — and the sentinels must
 * appear nowhere: stdout, stderr, the metrics file, the audit log, any file under the project
 * (.wrangler/ included).
 */
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesUnder, rigProject, startRig, type Rig, type RigProject } from "./helpers/reliability-rig.js";
import { runKanvas, type RunResult } from "./helpers/run-kanvas.js";

const TOKEN = "cfTOKENsentinel0d7e41c9b2aa5f3e8c61";
const R2_SECRET = "r2SECRETsentinel9a1f47c3e08b26d5";
const WRONG_TOKEN = "wrongTOKENsentinel5c2e91ab37f0";
const SENTINELS = [TOKEN, R2_SECRET, WRONG_TOKEN];
/** Fragments too, in case something prints a truncated or re-encoded secret. */
const needles = SENTINELS.flatMap((s) => [s, s.slice(0, 14), s.slice(-14), Buffer.from(s).toString("base64").slice(0, 20)]);

let rig: Rig;
let p: RigProject;
let runs = 0;

beforeAll(async () => {
  rig = await startRig({ s3: true, token: TOKEN, r2Secret: R2_SECRET });
});
afterAll(async () => {
  await rig?.close();
});

function assertClean(text: string, where: string): void {
  for (const n of needles) expect(text.includes(n), `a secret (${n.slice(0, 6)}…) leaked into ${where}`).toBe(false);
}

async function kanvas(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  // Absolute, so every run appends to the one file the assertions read.
  const r = await runKanvas([...args, "--verbose", "--metrics-file", p.file("metrics.ndjson")], { cwd: p.dir, env: { ...p.env, ...env } });
  runs++;
  assertClean(r.stdout, `stdout of kanvas ${args.join(" ")}`);
  assertClean(r.stderr, `stderr of kanvas ${args.join(" ")}`);
  return r;
}

describe("secrets never leak (--verbose, --json, --metrics-file, audit, state files)", () => {
  it("every command, successful and failing runs, remote and local", async () => {
    p = rigProject(rig);
    p.write("a.png", Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 3)]));
    p.write("big.bin", Buffer.alloc(6 * 1024 * 1024, 9));
    p.write("cors.json", JSON.stringify([{ AllowedMethods: ["GET"], AllowedOrigins: ["https://kanvas.example"] }]));
    p.write("pairs.json", JSON.stringify([{ key: "b1", value: "1" }, { key: "b2", value: "2" }]));
    await rig.sdk!.send(new PutObjectCommand({ Bucket: rig.s3!.bucket, Key: "uploads/old/x.jpg", Body: "x" }));
    rig.cf.r2.createBucket("kanvas-images");

    const ok: string[][] = [
      ["config", "show", "--json"],
      ["config", "show", "--remote"],
      ["doctor", "--remote", "--json"],
      ["db", "migrate", "--remote", "--json"],
      ["db", "migrate", "status", "--remote", "--json"],
      ["db", "query", "INSERT INTO users (id, email) VALUES ('s1', 's1@x')", "--remote", "--yes", "--json"],
      ["db", "query", "SELECT * FROM users", "--remote", "--json"],
      ["images", "upload", "a.png", "--key", "uploads/s/a.png", "--remote", "--json", "--sign", "10m"],
      ["images", "upload", "big.bin", "--key", "uploads/s/big.bin", "--multipart-threshold", "5MiB", "--remote", "--json"],
      ["images", "sign", "uploads/s/a.png", "--remote", "--json"],
      ["images", "sign", "uploads/s/new.png", "--method", "put", "--remote", "--json"],
      ["images", "list", "--remote", "--json"],
      ["images", "cors", "set", "cors.json", "--remote", "--yes", "--json"],
      ["images", "cors", "get", "--remote", "--json"],
      ["images", "cleanup", "--older-than", "30d", "--remote", "--yes", "--json"],
      ["cache", "put", "k", "v", "--ttl", "5m", "--remote", "--json"],
      ["cache", "put", "--bulk", "pairs.json", "--remote", "--json"],
      ["cache", "get", "k", "--remote", "--json"],
      ["cache", "list", "--remote", "--json"],
      ["cache", "delete", "k", "--remote", "--yes", "--json"],
      ["cache", "ratelimit", "hit", "u1", "draw", "--remote", "--json"],
      ["cache", "ratelimit", "status", "u1", "--remote", "--json"],
      ["cache", "ratelimit", "top", "--remote", "--json"],
      ["cache", "ratelimit", "reset", "u1", "--remote", "--yes", "--json"],
    ];
    for (const args of ok) {
      const r = await kanvas(args);
      expect(r.code, `kanvas ${args.join(" ")}\n${r.stderr}`).toBe(0);
    }
    const bookmark = rig.cf.d1.currentBookmark(p.dbId);
    expect((await kanvas(["db", "restore", "--bookmark", bookmark, "--remote", "--yes", "--json"])).code).toBe(0);

    // Failing runs: a rejected token, a 500, an S3 outage, an unexpected (bug-like) error with its stack.
    for (const args of [
      ["db", "query", "SELECT 1", "--remote", "--json"],
      ["cache", "get", "k", "--remote"],
      ["doctor", "--remote"],
      ["db", "migrate", "--remote"],
    ]) {
      const r = await kanvas(args, { CLOUDFLARE_API_TOKEN: WRONG_TOKEN, KANVAS_MAX_RETRIES: "0" });
      expect(r.code, `bad token: kanvas ${args.join(" ")}\n${r.stderr}`).not.toBe(0);
    }
    const denied = await kanvas(["db", "query", "SELECT 1", "--remote"], { CLOUDFLARE_API_TOKEN: WRONG_TOKEN });
    expect(denied.code).toBe(3);

    rig.cf.faults.inject({ times: 100, status: 500 });
    for (const args of [
      ["db", "query", "SELECT 1", "--remote", "--json"],
      ["cache", "put", "k2", "v", "--remote"],
      ["db", "migrate", "status", "--remote"],
    ]) {
      const r = await kanvas(args, { KANVAS_MAX_RETRIES: "1" });
      expect(r.code, `500: kanvas ${args.join(" ")}`).not.toBe(0);
    }
    rig.cf.faults.clear();
    rig.chaos!.inject({ kind: "503", times: 100 });
    for (const args of [
      ["images", "list", "--remote"],
      ["images", "upload", "big.bin", "--key", "uploads/s/fail.bin", "--multipart-threshold", "5MiB", "--remote", "--json"],
    ]) {
      const r = await kanvas(args, { KANVAS_MAX_RETRIES: "1" });
      expect(r.code, `S3 503: kanvas ${args.join(" ")}`).not.toBe(0);
    }
    rig.chaos!.clear();
    const bug = await kanvas(["images", "cleanup", "--older-than", "99999999999999999999d", "--remote", "--yes"]);
    expect(bug.code).not.toBe(0);

    // Local runs with the secrets in the environment: nothing of them reaches the state folder.
    for (const args of [
      ["db", "migrate", "--local"],
      ["cache", "put", "local", "v", "--local"],
      ["images", "upload", "a.png", "--key", "local/a.png", "--local"],
      ["images", "cleanup", "--older-than", "30d", "--local", "--yes"],
    ]) {
      const r = await kanvas(args);
      expect(r.code, `kanvas ${args.join(" ")}\n${r.stderr}`).toBe(0);
    }

    // Everything written under the project: metrics, audit log, .wrangler state, logs.
    const files = filesUnder(p.dir);
    expect(files.some((f) => f.endsWith("metrics.ndjson"))).toBe(true);
    expect(files.some((f) => f.endsWith("audit.ndjson"))).toBe(true);
    expect(files.some((f) => f.includes(".wrangler"))).toBe(true);
    for (const f of files) assertClean(readFileSync(f).toString("latin1"), f);
    // The metrics file has a line per call, and names no secret.
    const metrics = readFileSync(p.file("metrics.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(metrics.length).toBeGreaterThan(30);
    expect(runs).toBeGreaterThanOrEqual(40);
  });

  it("the verbose HTTP trace shows the requests, with the Authorization header redacted", async () => {
    p = rigProject(rig, { migrations: false });
    const r = await kanvas(["cache", "list", "--remote"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/http: GET .*\/storage\/kv\/namespaces\/.* → 200/);
    for (const line of r.stderr.split("\n").filter((l) => /authorization|bearer/i.test(l))) expect(line).toMatch(/redacted|\*\*\*/i);
  });

  // A relative --metrics-file is resolved against the cwd main() was given (io.cwd), like --config and --log-file.
  it("a relative --metrics-file lands in the command's cwd", async () => {
    p = rigProject(rig, { migrations: false });
    const name = `metrics-${process.pid}-relative.ndjson`;
    try {
      const r = await runKanvas(["cache", "list", "--remote", "--metrics-file", name], { cwd: p.dir, env: p.env });
      expect(r.code, r.stderr).toBe(0);
      expect(filesUnder(p.dir).some((f) => f.endsWith(name))).toBe(true);
    } finally {
      rmSync(path.resolve(process.cwd(), name), { force: true });
    }
  });
});


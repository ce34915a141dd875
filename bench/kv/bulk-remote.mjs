#!/usr/bin/env node
// `kanvas cache put --bulk` vs `wrangler kv bulk put` (4.86.0) against the fake Cloudflare API
// (test/helpers/fake-cloudflare over loopback HTTP): requests sent and wall time for N keys.
// wrangler sends BATCH_KEY_MAX = API_MAX / 10 = 1,000 pairs per request (wrangler-dist/cli.js,
// putKVBulkKeyValue), one request at a time; kanvas sends up to 10,000 pairs / 100 MB, 4 in flight.
// Writes the "remote" section of bench/results/kv.md.
// Each tool runs twice: with no added latency, and with 100 ms added to every request (a stand-in
// for the round trip to api.cloudflare.com).
// Usage: npm run build && node bench/kv/bulk-remote.mjs [keys=50000]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { writeSection } from "./results.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const count = Number(process.argv[2] ?? 50_000);
const kanvas = path.join(root, "bin/kanvas");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");

const server = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fake-server.ts")], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
const lines = readline.createInterface({ input: server.stdout })[Symbol.asyncIterator]();
const ask = async (cmd) => {
  if (cmd) server.stdin.write(cmd + "\n");
  return JSON.parse((await lines.next()).value);
};
const fake = await ask();

const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-kv-remote-"));
const pairs = Array.from({ length: count }, (_, i) => ({ key: `bench:${String(i).padStart(6, "0")}`, value: `value-${i}-${"x".repeat(40)}`, expiration_ttl: 3600 }));
writeFileSync(path.join(dir, "pairs.json"), JSON.stringify(pairs));
const toml = (id) => `name = "bench"\ncompatibility_date = "2026-04-01"\n\n[[kv_namespaces]]\nbinding = "KANVAS_CACHE"\nid = "${id}"\n`;
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId };

const cases = [
  { name: "kanvas cache put --bulk --remote", env: { CLOUDFLARE_BASE_URL: fake.baseURL }, args: (id) => [kanvas, "cache", "put", "--bulk", "pairs.json", "--remote"] },
  { name: "wrangler kv bulk put --remote", env: { CLOUDFLARE_API_BASE_URL: fake.baseURL }, args: (id) => [wrangler, "kv", "bulk", "put", "pairs.json", "--namespace-id", id, "--remote"] },
];
const rows = [];
for (const delay of [0, 100]) for (const c of cases) {
  await ask(`delay ${delay}`);
  const { namespaceId } = await ask("reset");
  writeFileSync(path.join(dir, "wrangler.toml"), toml(namespaceId));
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args(namespaceId), { cwd: dir, env: { ...baseEnv, ...c.env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const report = await ask("report");
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}\n${r.stdout}\n${r.stderr}\n${JSON.stringify(report)}`);
  if (report.keys !== count) throw new Error(`${c.name} left ${report.keys} of ${count} keys: ${JSON.stringify(report)}`);
  const total = Object.values(report.requests).reduce((a, b) => a + b, 0);
  const bulk = Object.entries(report.requests).filter(([k]) => k.startsWith("PUT /bulk")).reduce((a, [, n]) => a + n, 0);
  rows.push({ name: c.name, delay, ms, total, bulk, detail: report.requests });
  process.stderr.write(`${c.name} (+${delay} ms/request): ${total} requests (${bulk} bulk writes), ${Math.round(ms)} ms\n`);
}
server.stdin.end();
rmSync(dir, { recursive: true, force: true });

const [k, w, k100, w100] = rows;
const body = [
  `${count.toLocaleString("en")} pairs (~60-byte values, 1-hour TTL) written to an empty namespace of the fake API on loopback, one run each, ${os.cpus().length} cores, Node ${process.version}.`,
  "wrangler 4.86.0 sends 1,000 pairs per request (`BATCH_KEY_MAX = API_MAX / 10` in wrangler-dist/cli.js), one at a time; kanvas sends up to 10,000 pairs / 100 MB per request, 4 in flight.",
  "",
  "| command | added latency | HTTP requests | bulk writes | wall time | requests seen by the API |",
  "| --- | ---: | ---: | ---: | ---: | --- |",
  ...rows.map((r) => `| \`${r.name}\` | ${r.delay} ms | ${r.total} | ${r.bulk} | ${Math.round(r.ms)} ms | ${Object.entries(r.detail).map(([n, c]) => `${n} ×${c}`).join(", ")} |`),
  "",
  `**requests: kanvas ${k.total} vs wrangler ${w.total} (${(w.total / k.total).toFixed(1)}× fewer; target 5 for 50,000 keys).** Time kanvas / wrangler = ${(k.ms / w.ms).toFixed(2)} on bare loopback, ${(k100.ms / w100.ms).toFixed(2)} with 100 ms per request.`,
].join("\n");
writeSection("remote", `Remote: --bulk with ${count.toLocaleString("en")} keys against the fake API`, body);
console.log(body);

#!/usr/bin/env node
// `kanvas cache put --bulk --local` vs `wrangler kv bulk put --local` (4.86.0): the same JSON file of
// N pairs written into an empty Miniflare KV namespace (.wrangler/state/v3/kv), same run, wall time.
// Miniflare has no bulk API: wrangler awaits one put at a time; kanvas posts 500 pairs a request to a bulk-put route in the Miniflare worker.
// Interleaved runs, medians: the 2 shared cores here are noisy (load 5-7 while others test).
// Writes the "local" section of bench/results/kv.md.
// Usage: npm run build && node bench/kv/bulk-local.mjs [keys=5000] [runs=3]   (50000 × 1 takes ~10 min on 2 cores)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeSection } from "./results.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const count = Number(process.argv[2] ?? 5_000);
const runs = Number(process.argv[3] ?? 3);
const kanvas = path.join(root, "bin/kanvas");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");

const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-kv-local-"));
writeFileSync(path.join(dir, "wrangler.toml"), `name = "bench"\ncompatibility_date = "2026-04-01"\n\n[[kv_namespaces]]\nbinding = "KANVAS_CACHE"\n`);
const pairs = Array.from({ length: count }, (_, i) => ({ key: `bench:${String(i).padStart(6, "0")}`, value: `value-${i}-${"x".repeat(40)}`, expiration_ttl: 3600 }));
writeFileSync(path.join(dir, "pairs.json"), JSON.stringify(pairs));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" };

const cases = [
  { name: "kanvas cache put --bulk --local", args: [kanvas, "cache", "put", "--bulk", "pairs.json", "--local"] },
  { name: "wrangler kv bulk put --local", args: [wrangler, "kv", "bulk", "put", "pairs.json", "--binding", "KANVAS_CACHE", "--local"] },
];
const times = new Map(cases.map((c) => [c.name, []]));
for (let run = 0; run < runs; run++) for (const c of cases) {
  rmSync(path.join(dir, ".wrangler"), { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { cwd: dir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  // Both must really have written every key (read back through kanvas, which shares the state).
  const list = spawnSync(process.execPath, [kanvas, "cache", "list", "--prefix", "bench:", "--json", "--local"], { cwd: dir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const n = JSON.parse(list.stdout).length;
  if (n !== count) throw new Error(`${c.name} wrote ${n} of ${count} keys`);
  times.get(c.name).push(ms);
  process.stderr.write(`${c.name}: ${Math.round(ms)} ms (${Math.round(count / (ms / 1000))} keys/s)\n`);
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = cases.map((c) => ({ name: c.name, ms: median(times.get(c.name)), all: times.get(c.name) }));
const [k, w] = rows;
const body = [
  `${count.toLocaleString("en")} pairs (~60-byte values, 1-hour TTL) written into an empty local namespace, ${runs} interleaved run(s) each, median wall time (process start to exit), ${os.cpus().length} cores shared with other work (load average ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}.`,
  "Miniflare's KV has no bulk API and its store is the bottleneck (each put is a SQLite row and a blob file): wrangler awaits one put at a time from outside the worker, kanvas posts 500 pairs a request to a bulk-put route inside it (2 requests in flight).",
  "",
  "| command | median | keys/s | runs (s) |",
  "| --- | ---: | ---: | --- |",
  ...rows.map((r) => `| \`${r.name}\` | ${(r.ms / 1000).toFixed(1)} s | ${Math.round(count / (r.ms / 1000))} | ${r.all.map((x) => (x / 1000).toFixed(1)).join(", ")} |`),
  "",
  `**kanvas / wrangler = ${(k.ms / w.ms).toFixed(2)}** (wrangler takes ${(w.ms / k.ms).toFixed(1)}× as long).`,
].join("\n");
writeSection("local", `Local: --bulk with ${count.toLocaleString("en")} keys, kanvas vs wrangler`, body);
console.log(body);

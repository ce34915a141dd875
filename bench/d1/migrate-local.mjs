#!/usr/bin/env node
// 50 migrations applied --local from an empty database: `kanvas db migrate --local` against
// `wrangler d1 migrations apply --local` (4.86.0), same files, same run, interleaved, medians.
// Writes the "local" section of bench/results/d1.md.
// Usage: npm run build && node bench/d1/migrate-local.mjs [runs=3] [migrations=50]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, writeSection } from "./results.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const runs = Number(process.argv[2] ?? 3);
const count = Number(process.argv[3] ?? 50);
const kanvas = path.join(root, "bin/kanvas");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");

const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-d1-"));
writeFileSync(
  path.join(dir, "wrangler.toml"),
  `name = "bench"\ncompatibility_date = "2026-04-01"\n\n[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "kanvas-db"\nmigrations_dir = "migrations"\n`,
);
mkdirSync(path.join(dir, "migrations"));
for (let i = 1; i <= count; i++) {
  const n = String(i).padStart(4, "0");
  writeFileSync(
    path.join(dir, "migrations", `${n}_step_${i}.sql`),
    `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT DEFAULT CURRENT_TIMESTAMP);\n` +
      `CREATE INDEX idx_t${i}_name ON t${i} (name);\n` +
      `INSERT INTO t${i} (name) VALUES ('a'), ('b'), ('c');\n`,
  );
}

// CI=1: wrangler applies without asking; kanvas needs --local then (and gets it).
const env = { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" };
const cases = [
  { name: "kanvas db migrate --local", args: [kanvas, "db", "migrate", "--local"] },
  { name: "wrangler d1 migrations apply --local", args: [wrangler, "d1", "migrations", "apply", "kanvas-db", "--local"] },
];
const times = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    rmSync(path.join(dir, ".wrangler"), { recursive: true, force: true });
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: dir, env, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    // Both must really have applied all of them.
    const check = spawnSync(process.execPath, [kanvas, "db", "query", "SELECT count(*) AS n FROM d1_migrations", "--json", "--local"], { cwd: dir, env, encoding: "utf8" });
    const n = JSON.parse(check.stdout)[0].n;
    if (n !== count) throw new Error(`${c.name} applied ${n} of ${count}`);
    times.get(c.name).push(ms);
    process.stderr.write(`${c.name}: ${Math.round(ms)} ms\n`);
  }
}
rmSync(dir, { recursive: true, force: true });

const load = os.loadavg()[0].toFixed(1);
const k = median(times.get(cases[0].name));
const w = median(times.get(cases[1].name));
const lines = [
  `${count} migrations (3 statements each) applied to an empty local database, ${runs} interleaved runs each, median wall time (process start to exit), ${os.cpus().length} cores, Node ${process.version}, 1-min load average at the end ${load} (the machine is shared: compare the ratio, not the absolute times).`,
  "",
  "| command | median | runs (ms) |",
  "| --- | ---: | --- |",
  ...cases.map((c) => `| \`${c.name}\` | ${Math.round(median(times.get(c.name)))} ms | ${times.get(c.name).map(Math.round).join(", ")} |`),
  "",
  `**kanvas / wrangler = ${(k / w).toFixed(2)}** (target ≤ 0.33).`,
];
writeSection("local", "Local: 50 migrations from empty, kanvas vs wrangler", lines.join("\n"));
console.log(lines.join("\n"));

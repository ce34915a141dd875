#!/usr/bin/env node
// Start-up of `kanvas <command> --help` for every leaf command against bare `node -e 0`, measured in the
// same run: interleaved (one round runs every case once, in order), medians, load average quoted.
// Target (issue 10): every leaf's --help ≤ 1.6× node -e 0.
// Usage: npm run build && node bench/cli/help-startup.mjs [rounds] [--md]
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { helpCases } from "./help-cases.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 15);
const cases = await helpCases(root);
const env = { ...process.env, NO_COLOR: "1" };
const times = new Map(cases.map((c) => [c.name, []]));
const loadBefore = os.loadavg();
for (let i = 0; i < rounds; i++) {
  for (const c of cases) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: root, env, stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
    times.get(c.name).push(ms);
  }
}
const loadAfter = os.loadavg();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get("node -e 0"));
const rows = cases.map((c) => ({ name: c.name, ms: median(times.get(c.name)), ratio: median(times.get(c.name)) / base }));
const worst = rows.slice(2).reduce((a, b) => (b.ratio > a.ratio ? b : a));
const fmt = (n) => n.toFixed(2);
console.log(`## --help start-up (bench/cli/help-startup.mjs)\n`);
console.log(`${new Date().toISOString().slice(0, 16)}Z, ${process.version}, ${os.cpus().length} cores, ${rounds} interleaved rounds, median wall time per process.`);
console.log(`Load average (1/5/15 min) before: ${loadBefore.map(fmt).join(" / ")}, after: ${loadAfter.map(fmt).join(" / ")}.\n`);
console.log(`| command | median ms | vs node -e 0 |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.name} | ${r.ms.toFixed(1)} | ${r.ratio.toFixed(2)}× |`);
console.log(`\nWorst leaf: ${worst.name} at ${worst.ratio.toFixed(2)}× (target ≤ 1.60×); ${rows.slice(2).filter((r) => r.ratio > 1.6).length} of ${rows.length - 2} leaves over.`);

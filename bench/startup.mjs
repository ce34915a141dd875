#!/usr/bin/env node
// Start-up time of `kanvas --version` and `kanvas --help` against bare `node -e 0` (and wrangler's
// --version), measured in the same run, interleaved, as medians. Writes bench/results/startup.md.
// Usage: npm run build && node bench/startup.mjs [runs]
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 30);
const kanvas = path.join(root, "bin/kanvas");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");

const cases = [
  { name: "node -e 0 (baseline)", args: ["-e", "0"] },
  { name: "kanvas --version", args: [kanvas, "--version"] },
  { name: "kanvas --help", args: [kanvas, "--help"] },
  { name: "kanvas db migrate --help", args: [kanvas, "db", "migrate", "--help"] },
  { name: "wrangler --version (4.86.0)", args: [wrangler, "--version"], runs: Math.min(runs, 10) },
];

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const times = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    if (c.runs !== undefined && i >= c.runs) continue;
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: root, env, stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
    times.get(c.name).push(ms);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(times.get(cases[0].name));
const rows = cases.map((c) => {
  const m = median(times.get(c.name));
  return `| ${c.name} | ${times.get(c.name).length} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× |`;
});
const md = `## Start-up (bench/startup.mjs)

Measured ${new Date().toISOString().slice(0, 10)} on this machine (${process.version}, 2 cores), interleaved runs, median wall time of the whole process.
Targets: \`--version\` within 2× of bare node, \`--help\` within 2.5×.

| command | runs | median ms | vs node -e 0 |
|---|---|---|---|
${rows.join("\n")}
`;
writeFileSync(path.join(root, "bench/results/startup.md"), md);
process.stdout.write(md);

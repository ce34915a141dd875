#!/usr/bin/env node
// The same comparison as help-startup.mjs, counted in CPU instructions instead of wall time:
// `valgrind --tool=callgrind` counts every instruction the process (all its threads) runs, and the
// count does not move with the machine's load, so the ratio to `node -e 0` is repeatable on a shared,
// busy machine where wall-time medians are not. One run per case is enough (the count repeats).
// Target (issue 10): every leaf's --help ≤ 1.6× node -e 0.
// Usage: npm run build && node bench/cli/help-instructions.mjs   (needs valgrind: apt-get install valgrind)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { helpCases } from "./help-cases.mjs";

const root = path.resolve(import.meta.dirname, "../..");
if (spawnSync("valgrind", ["--version"]).status !== 0) {
  console.log("valgrind not found: install it (apt-get install valgrind) to count instructions.");
  process.exit(0);
}

const cases = await helpCases(root);
const env = { ...process.env, NO_COLOR: "1" };
const instructions = (args) => {
  const r = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, ...args], { cwd: root, env, encoding: "utf8" });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count for ${args.join(" ")}: ${r.stderr.slice(-300)}`);
  return Number(m[1]);
};
const rows = cases.map((c) => ({ name: c.name, ir: instructions(c.args) }));
const base = rows[0].ir;
const leafRows = rows.slice(2);
const worst = leafRows.reduce((a, b) => (b.ir > a.ir ? b : a));
console.log(`## --help start-up in instructions (bench/cli/help-instructions.mjs)\n`);
console.log(`${new Date().toISOString().slice(0, 16)}Z, ${process.version}, callgrind instruction counts (load-independent), one run each.\n`);
console.log(`| command | instructions (M) | vs node -e 0 |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.name} | ${(r.ir / 1e6).toFixed(0)} | ${(r.ir / base).toFixed(2)}× |`);
console.log(`\nWorst leaf: ${worst.name} at ${(worst.ir / base).toFixed(2)}× (target ≤ 1.60×); ${leafRows.filter((r) => r.ir / base > 1.6).length} of ${leafRows.length} leaves over.`);

#!/usr/bin/env node
// A large local read: `kanvas db query "SELECT * FROM t" --local` (--ndjson and --json) against
// `wrangler d1 execute --local --json` (4.86.0), same database, same run, interleaved, medians.
// For each run: wall time, and the peak RSS (VmHWM from /proc, sampled every 20 ms) of the tool's own
// node process (wrangler's launcher re-spawns node: its CLI child is counted, the launcher shown
// apart) and of workerd. Optionally a baseline kanvas build (KANVAS_BASELINE=/path/to/bin/kanvas).
// Writes the "query-large" section of bench/results/d1.md.
// Usage: npm run build && node bench/d1/query-large.mjs [runs=3] [sizes=100000,300000]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, writeSection } from "./results.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const runs = Number(process.argv[2] ?? 3);
const sizes = (process.argv[3] ?? "100000,300000").split(",").map(Number);
const kanvas = path.join(root, "bin/kanvas");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
const baseline = process.env.KANVAS_BASELINE;

const env = { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const SELECT = "SELECT * FROM t ORDER BY id";

const cases = [
  { name: "kanvas db query --ndjson", args: [kanvas, "db", "query", SELECT, "--ndjson", "--local"] },
  { name: "kanvas db query --json", args: [kanvas, "db", "query", SELECT, "--json", "--local"] },
  { name: "wrangler d1 execute --json --local", args: [wrangler, "d1", "execute", "KANVAS_DB", "--local", "--json", "--command", SELECT] },
  ...(baseline ? [{ name: "kanvas before (main 7365bc6) --ndjson", args: [baseline, "db", "query", SELECT, "--ndjson", "--local"] }] : []),
];

const hwm = (pid) => {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};
const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};
const children = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
};

/** Runs one command, counting stdout bytes; peak RSS per process of its tree. */
function measure(args, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (c) => (bytes += c.length));
    child.stderr.on("data", (c) => (stderr += c));
    const peaks = new Map(); // pid → { comm, depth, rss }
    const sample = () => {
      const queue = [[child.pid, 0]];
      for (let i = 0; i < queue.length; i++) {
        const [pid, depth] = queue[i];
        const rss = hwm(pid);
        if (rss) peaks.set(pid, { comm: comm(pid) || peaks.get(pid)?.comm, depth, rss: Math.max(rss, peaks.get(pid)?.rss ?? 0) });
        for (const c of children(pid)) queue.push([c, depth + 1]);
      }
    };
    const timer = setInterval(sample, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${args.slice(1, 3).join(" ")} exited ${code}\n${stderr.slice(-2000)}`));
      const all = [...peaks.values()];
      const nodes = all.filter((p) => p.comm !== "workerd");
      const tool = Math.max(0, ...nodes.map((p) => p.rss));
      const launcher = nodes.length > 1 ? nodes.find((p) => p.depth === 0)?.rss : undefined;
      const workerd = Math.max(0, ...all.filter((p) => p.comm === "workerd").map((p) => p.rss));
      resolve({ ms, bytes, tool, launcher, workerd });
    });
  });
}

const mib = (n) => (n / 2 ** 20).toFixed(0);
const sections = [];
for (const rows of sizes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-query-"));
  writeFileSync(path.join(dir, "wrangler.toml"), `name = "bench"\ncompatibility_date = "2026-04-01"\n\n[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "kanvas-db"\n`);
  for (const sql of [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, name TEXT, note TEXT)",
    `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) INSERT INTO t SELECT x, 'user' || x || '@example.com', 'User number ' || x, printf('%048d', x) FROM c`,
  ]) {
    const r = spawnSync(process.execPath, [kanvas, "db", "query", sql, "--local"], { cwd: dir, env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const results = new Map(cases.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      const m = await measure(c.args, dir);
      results.get(c.name).push(m);
      process.stderr.write(`${rows} rows, ${c.name}: ${Math.round(m.ms)} ms, ${mib(m.bytes)} MiB out, tool ${mib(m.tool)} MiB, workerd ${mib(m.workerd)} MiB (load ${os.loadavg()[0].toFixed(1)})\n`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (name, key) => median(results.get(name).map((m) => m[key]).filter((v) => v !== undefined));
  const ndjsonBytes = med(cases[0].name, "bytes");
  sections.push(
    [
      `**${rows.toLocaleString("en-US")} rows** (${mib(ndjsonBytes)} MiB as NDJSON), 1-min load average at the end ${os.loadavg()[0].toFixed(1)}:`,
      "",
      "| command | median time | runs (s) | output | peak RSS, tool's own process | peak RSS, workerd |",
      "| --- | ---: | --- | ---: | ---: | ---: |",
      ...cases.map((c) => {
        const ms = results.get(c.name).map((m) => m.ms);
        const launcher = med(c.name, "launcher");
        const tool = `${mib(med(c.name, "tool"))} MiB${Number.isFinite(launcher) && c.name.startsWith("wrangler") ? ` (+ launcher ${mib(launcher)} MiB)` : ""}`;
        return `| \`${c.name}\` | ${(median(ms) / 1000).toFixed(1)} s | ${ms.map((x) => (x / 1000).toFixed(1)).join(", ")} | ${mib(med(c.name, "bytes"))} MiB | ${tool} | ${mib(med(c.name, "workerd"))} MiB |`;
      }),
    ].join("\n"),
  );
}

const body = [
  `\`SELECT * FROM t ORDER BY id\` on a local table of 4 columns (about 130 bytes a row as NDJSON), ${runs} interleaved runs per command, medians; wall time from process start to exit with stdout read and discarded by the harness; peak RSS = VmHWM of each process, sampled every 20 ms. ${os.cpus().length} cores, Node ${process.version}. The machine is shared: compare within a table.`,
  "",
  ...sections.flatMap((s) => [s, ""]),
  "kanvas's own process holds one row at a time (the rows reach it as NDJSON lines from a route in its Miniflare worker); its peak is its start-up floor (Miniflare loaded) whatever the size. workerd holds the whole result, as D1 does (no cursor): the D1 object's rows and its JSON answer, and the worker's parsed copy while the route streams it.",
].join("\n");
writeSection("query-large", "Local: a large `db query` read, kanvas vs wrangler d1 execute", body);
console.log(body);

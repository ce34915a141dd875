// images cleanup at scale, with no disk per object: a synthetic S3 endpoint serves ListObjectsV2 pages
// of N generated keys over M user prefixes (deterministic ages: even indexes are 40 days old) and
// accepts DeleteObjects (and rclone's one DeleteObject per key) into a deletion bitmap; a fake D1
// answers the cleanup's queries from an `assets` table that references every 10th key.
//
// 1. kanvas alone at each size: wall time, objects/s, requests by kind, peak RSS.
// 2. kanvas vs rclone on the comparison size, straight and with the same latency added to every
//    request, runs interleaved, medians. The latency is added inside the endpoints (each answer
//    waits before it is handled), and requests are counted there too: nothing sits between a tool
//    and the endpoint, so nothing costs one tool more than the other. The endpoints' own CPU time
//    per run is reported, to show they were never the bottleneck.
//
//   node bench/r2/cleanup-scale.mjs [sizes…]           (default 100000 1000000; --compare-only: none)
//   KANVAS_BENCH_USERS=100             user prefixes
//   KANVAS_BENCH_COMPARE=100000        comparison size (0: skip the comparison)
//   KANVAS_BENCH_DELAYS=0,40           added latency per request, ms
//   KANVAS_BENCH_REPS=3                interleaved runs per tool and latency
//   KANVAS_BENCH_RCLONE_CONCURRENCY=64 rclone --checkers and --transfers
//   KANVAS_BENCH_TOOLS=kanvas,rclone  which tools run (rclone alone: to pick its concurrency)
//   KANVAS_BENCH_NODE_ARGS="…"         extra node flags for the kanvas process (profiling)
//   KANVAS_CLEANUP_IN_FLIGHT=l,c,d     kanvas's List / check / DeleteObjects in flight (tuning)
import { spawnSync } from "node:child_process";
import http from "node:http";
import os from "node:os";
import { ACCOUNT, BUCKET, benchProject, kanvasBin, run, writeResults } from "./lib.mjs";

const compareOnly = process.argv.includes("--compare-only");
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (!sizes.length && !compareOnly) sizes.push(100_000, 1_000_000);
const USERS = Number(process.env.KANVAS_BENCH_USERS ?? 100);
const COMPARE = Number(process.env.KANVAS_BENCH_COMPARE ?? 100_000);
const DELAYS = (process.env.KANVAS_BENCH_DELAYS ?? "0,40").split(",").map(Number);
const REPS = Number(process.env.KANVAS_BENCH_REPS ?? 3);
const RCLONE_CONCURRENCY = Number(process.env.KANVAS_BENCH_RCLONE_CONCURRENCY ?? 64);
const TOOLS = (process.env.KANVAS_BENCH_TOOLS ?? "kanvas,rclone").split(",");
const nodeArgs = (process.env.KANVAS_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
const OLD = new Date(Date.now() - 40 * 86_400_000).toISOString();
const NEW = new Date().toISOString();
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" ");

function synthetic(total, users, delayMs) {
  const per = Math.ceil(total / users);
  const user = (u) => `uploads/u${String(u).padStart(5, "0")}/`;
  const key = (g) => `${user(Math.floor(g / per))}${String(g % per).padStart(8, "0")}.jpg`;
  const deleted = new Uint8Array(total);
  const counts = { List: 0, DeleteObjects: 0, DeleteObject: 0, D1: 0, other: 0 };
  const referenced = []; // every 10th key, in key order
  for (let g = 0; g < total; g += 10) referenced.push(key(g));
  const indexOf = (k) => {
    const m = /^uploads\/u(\d{5})\/(\d{8})\.jpg$/.exec(k);
    return m ? Number(m[1]) * per + Number(m[2]) : -1;
  };
  const xml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  // Every answer waits delayMs before it is handled, as if the endpoint were that far away.
  const later = (handler) => (req, res) => (delayMs ? setTimeout(() => handler(req, res), delayMs) : handler(req, res));
  const contents = (g) => `<Contents><Key>${xml(key(g))}</Key><LastModified>${g % 2 === 0 ? OLD : NEW}</LastModified><ETag>"e"</ETag><Size>1024</Size><StorageClass>STANDARD</StorageClass></Contents>`;

  const list = (q) => {
    counts.List++;
    const prefix = q.get("prefix") ?? "";
    const max = Math.min(1000, Number(q.get("max-keys") ?? 1000));
    const token = q.get("continuation-token");
    let body = "";
    let next = "";
    let n = 0;
    // Keys from index g up to end: one user (a user prefix) or all users (rclone --fast-list).
    const keysFrom = (g, end) => {
      for (; g < end && n < max; g++) {
        if (deleted[g]) continue;
        body += contents(g);
        n++;
      }
      if (g < end) next = String(g);
    };
    const userMatch = /^uploads\/u(\d{5})\/$/.exec(prefix);
    if (q.get("delimiter") === "/" && prefix === "uploads/") {
      let u = Number(token ?? 0);
      for (; u < users && n < max; u++, n++) body += `<CommonPrefixes><Prefix>${user(u)}</Prefix></CommonPrefixes>`;
      if (u < users) next = String(u);
    } else if (userMatch) {
      const u = Number(userMatch[1]);
      const start = token ? Number(token) : q.get("start-after") ? indexOf(q.get("start-after")) + 1 : u * per;
      keysFrom(start, Math.min(total, (u + 1) * per));
    } else if (prefix === "uploads/" && !q.get("delimiter")) {
      keysFrom(token ? Number(token) : 0, total);
    }
    return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${n}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${Boolean(next)}</IsTruncated>${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ""}${body}</ListBucketResult>`;
  };

  const s3 = http.createServer(
    later((req, res) => {
      const url = new URL(req.url, "http://x");
      const q = url.searchParams;
      const objectKey = decodeURIComponent(url.pathname.split("/").slice(2).join("/"));
      if (req.method === "GET" && q.get("list-type") === "2") {
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(list(q));
        return;
      }
      if (req.method === "POST" && q.has("delete")) {
        counts.DeleteObjects++;
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const keys = [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
          const quiet = text.includes("<Quiet>true</Quiet>"); // as S3: only failures are listed
          for (const k of keys) {
            const g = indexOf(k);
            if (g >= 0) deleted[g] = 1;
          }
          res.writeHead(200, { "content-type": "application/xml" });
          res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${quiet ? "" : keys.map((k) => `<Deleted><Key>${k}</Key></Deleted>`).join("")}</DeleteResult>`);
        });
        return;
      }
      if (req.method === "DELETE" && objectKey) {
        counts.DeleteObject++;
        const g = indexOf(objectKey);
        if (g >= 0) deleted[g] = 1;
        res.writeHead(204).end();
        return;
      }
      counts.other++;
      if (objectKey && (req.method === "HEAD" || req.method === "GET")) {
        // No object by that name (rclone asks whether the path it was given is a file).
        res.writeHead(404, { "content-type": "application/xml" });
        res.end(req.method === "HEAD" ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`);
        return;
      }
      res.writeHead(200).end();
    }),
  );

  // The D1 /query endpoint, answering the statements the cleanup sends.
  const lowerBound = (k) => {
    let lo = 0;
    let hi = referenced.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (referenced[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const answer = (s) => {
    const sql = s.sql ?? "";
    const p = s.params ?? [];
    if (/RETURNING holder/.test(sql)) return [{ holder: p[1] }];
    if (/sqlite_master/.test(sql)) return [{ type: "table", name: "assets", sql: "CREATE TABLE `assets` (`id` text PRIMARY KEY NOT NULL, `r2_key` text NOT NULL)" }, { type: "index", name: "idx_assets_r2_key", sql: "CREATE UNIQUE INDEX `idx_assets_r2_key` ON `assets` (`r2_key`)" }];
    const range = /r2_key >= \? (?:AND r2_key < \? )?ORDER BY r2_key LIMIT (\d+)/.exec(sql);
    if (range) {
      const out = [];
      for (let i = lowerBound(p[0]); i < referenced.length && out.length < Number(range[1]) && (p[1] === undefined || referenced[i] < p[1]); i++) out.push({ r2_key: referenced[i] });
      return out;
    }
    if (/IN \(/.test(sql) && /^SELECT/.test(sql)) return p.filter((k) => indexOf(k) % 10 === 0).map((k) => ({ r2_key: k }));
    return [];
  };
  const d1 = http.createServer(
    later((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        counts.D1++;
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        const result = (body.batch ?? [body]).map((s) => ({ success: true, results: answer(s), meta: { changes: 0, duration: 0.1 } }));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ success: true, errors: [], messages: [], result }));
      });
    }),
  );
  return { s3, d1, counts, deletedCount: () => deleted.reduce((a, b) => a + b, 0) };
}

const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));

/** One tool's run against fresh endpoints; the endpoints' CPU time is this process's, during the run. */
async function measure(tool, total, delayMs) {
  const fake = synthetic(total, USERS, delayMs);
  const s3Port = await listen(fake.s3);
  const d1Port = await listen(fake.d1);
  const cpu = process.cpuUsage();
  let r;
  let expected;
  if (tool === "kanvas") {
    const env = {
      ...process.env,
      R2_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      R2_ACCESS_KEY_ID: "bench",
      R2_SECRET_ACCESS_KEY: "bench",
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      CLOUDFLARE_API_TOKEN: "bench-token",
      CLOUDFLARE_BASE_URL: `http://127.0.0.1:${d1Port}/client/v4`,
      KANVAS_AUDIT_LOG: "audit.ndjson",
    };
    r = await run(process.execPath, [...nodeArgs, kanvasBin, "images", "cleanup", "--older-than", "30d", "--remote", "--yes", "--json"], { cwd: benchProject(), env });
    expected = total / 2 - Math.ceil(total / 10); // old = even indexes; every 10th (even) is referenced
    r.reported = JSON.parse(r.out).deleted;
  } else {
    r = await run("rclone", [...rcloneArgs(), `bench:${BUCKET}/uploads`], { env: rcloneEnv(`http://127.0.0.1:${s3Port}`) });
    expected = total / 2; // rclone has no orphan check: every old object goes
    r.reported = expected;
  }
  const used = process.cpuUsage(cpu);
  fake.s3.close();
  fake.d1.close();
  const gone = fake.deletedCount();
  const row = { tool, total, delayMs, seconds: r.seconds, peakMb: r.peakMb, counts: { ...fake.counts }, ok: gone === expected && r.reported === expected, gone, endpointCpu: (used.user + used.system) / 1e6, load: load() };
  console.error(`${tool} ${total} +${delayMs} ms: ${r.seconds.toFixed(1)} s, ${JSON.stringify(row.counts)}, ${r.peakMb.toFixed(0)} MB, deleted ${gone}${row.ok ? "" : ` (expected ${expected})`}, endpoint CPU ${row.endpointCpu.toFixed(1)} s, load ${row.load}`);
  return row;
}

const rcloneArgs = () => ["delete", "--min-age", "30d", "--use-server-modtime", "--fast-list", "--checkers", String(RCLONE_CONCURRENCY), "--transfers", String(RCLONE_CONCURRENCY), "--s3-list-version", "2", "--s3-no-check-bucket"];
// AWS_CA_BUNDLE deliberately absent: rclone 1.60 fails to start with it set.
const rcloneEnv = (endpoint) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  RCLONE_CONFIG_BENCH_TYPE: "s3",
  RCLONE_CONFIG_BENCH_PROVIDER: "Other",
  RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: "bench",
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: "bench",
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
  RCLONE_CONFIG_BENCH_REGION: "us-east-1",
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => n.toLocaleString("en");
const requests = (c) => Object.entries(c).filter(([, n]) => n).map(([k, n]) => `${k} ${fmt(n)}`).join(", ");
const out = [];

// 1. kanvas alone, at each size.
const scale = [];
if (TOOLS.includes("kanvas")) for (const total of sizes) scale.push(await measure("kanvas", total, 0));
out.push(`${USERS} user prefixes, 10 % of keys referenced in D1, half of them older than the cutoff. Requests counted in the endpoints.`, "");
out.push("| objects | wall | objects/s | List | DeleteObjects | D1 (per 10,000 listed) | peak RSS | correct | load (1/5/15 min) |", "|---|---|---|---|---|---|---|---|---|");
for (const x of scale) out.push(`| ${fmt(x.total)} | ${x.seconds.toFixed(1)} s | ${fmt(Math.round(x.total / x.seconds))} | ${fmt(x.counts.List)} | ${fmt(x.counts.DeleteObjects)} | ${x.counts.D1} (${((x.counts.D1 / x.total) * 10_000).toFixed(2)}) | ${x.peakMb.toFixed(0)} MB | ${x.ok ? "yes" : "NO"} | ${x.load} |`);

// 2. kanvas vs rclone, interleaved.
const haveRclone = spawnSync("rclone", ["version"], { env: rcloneEnv("http://127.0.0.1:1") }).status === 0;
if (COMPARE && !haveRclone) {
  out.push("", "rclone is not installed (apt-get install rclone): the comparison with rclone was skipped.");
  console.error("rclone not found on PATH: skipping the comparison with rclone");
} else if (COMPARE) {
  const version = spawnSync("rclone", ["version"], { env: rcloneEnv("http://127.0.0.1:1") }).stdout.toString().split("\n")[0];
  out.push("", `**Against ${version}** on ${fmt(COMPARE)} objects: \`rclone ${rcloneArgs().join(" ")}\` (rclone deletes all ${fmt(COMPARE / 2)} old objects, one DeleteObject each: it has no orphan check; kanvas deletes the ${fmt(COMPARE / 2 - COMPARE / 10)} unreferenced ones). ${REPS} interleaved runs per tool and latency, medians.`, "");
  out.push("| added latency | tool | median wall | runs (s) | requests | peak RSS | endpoint CPU (s) | correct | rclone / kanvas |", "|---|---|---|---|---|---|---|---|---|");
  for (const delayMs of DELAYS) {
    const rows = { kanvas: [], rclone: [] };
    for (let i = 0; i < REPS; i++) for (const tool of i % 2 ? ["rclone", "kanvas"] : ["kanvas", "rclone"]) if (TOOLS.includes(tool)) rows[tool].push(await measure(tool, COMPARE, delayMs));
    const med = { kanvas: median(rows.kanvas.map((r) => r.seconds)), rclone: median(rows.rclone.map((r) => r.seconds)) };
    for (const tool of TOOLS) {
      const rs = rows[tool];
      out.push(`| ${delayMs} ms | ${tool} | ${med[tool].toFixed(1)} s | ${rs.map((r) => r.seconds.toFixed(1)).join(", ")} | ${requests(rs[0].counts)} | ${median(rs.map((r) => r.peakMb)).toFixed(0)} MB | ${rs.map((r) => r.endpointCpu.toFixed(1)).join(", ")} | ${rs.every((r) => r.ok) ? "yes" : "NO"} | ${tool === "rclone" ? `**${(med.rclone / med.kanvas).toFixed(1)}×**` : ""} |`);
    }
  }
}
out.push("", `Load average at the end (1/5/15 min): ${load()}; ${os.cpus().length} cores, Node ${process.version}.`);
const md = out.join("\n");
console.log(md);
writeResults("cleanup-scale", `## Cleanup at scale, without disk (bench/r2/cleanup-scale.mjs)\n\n_${new Date().toISOString().slice(0, 10)}_, \`node bench/r2/cleanup-scale.mjs ${process.argv.slice(2).join(" ")}\`. ${md}`);

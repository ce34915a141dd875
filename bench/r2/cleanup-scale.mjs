// images cleanup at scale, with no disk per object: a synthetic S3 endpoint serves ListObjectsV2 pages
// of N generated keys over M user prefixes (deterministic ages: even indexes are 40 days old) and
// accepts DeleteObjects into a deletion bitmap; a fake D1 answers the cleanup's queries from an
// `assets` table that references every 10th key. Reports wall time, objects/s, requests by kind and
// peak RSS of `kanvas images cleanup` for each size.
//
//   node bench/r2/cleanup-scale.mjs [100000 1000000]      (KANVAS_BENCH_USERS=100 user prefixes)
import http from "node:http";
import { ACCOUNT, BUCKET, benchProject, kanvasBin, run } from "./lib.mjs";

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (!sizes.length) sizes.push(100_000, 1_000_000);
const USERS = Number(process.env.KANVAS_BENCH_USERS ?? 100);
// Extra node flags for the kanvas process only (profiling: "--cpu-prof --heap-prof").
const nodeArgs = (process.env.KANVAS_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
const OLD = new Date(Date.now() - 40 * 86_400_000).toISOString();
const NEW = new Date().toISOString();

function synthetic(total, users) {
  const per = Math.ceil(total / users);
  const user = (u) => `uploads/u${String(u).padStart(5, "0")}/`;
  const key = (g) => `${user(Math.floor(g / per))}${String(g % per).padStart(8, "0")}.jpg`;
  const deleted = new Uint8Array(total);
  const counts = { List: 0, DeleteObjects: 0, D1: 0 };
  const referenced = []; // every 10th key, in key order
  for (let g = 0; g < total; g += 10) referenced.push(key(g));
  const indexOf = (k) => {
    const m = /^uploads\/u(\d{5})\/(\d{8})\.jpg$/.exec(k);
    return m ? Number(m[1]) * per + Number(m[2]) : -1;
  };
  const xml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

  const s3 = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const q = url.searchParams;
    if (req.method === "GET" && q.get("list-type") === "2") {
      counts.List++;
      const prefix = q.get("prefix") ?? "";
      const max = Math.min(1000, Number(q.get("max-keys") ?? 1000));
      let body = "";
      let truncated = false;
      let next = "";
      let n = 0;
      if (q.get("delimiter") === "/" && prefix === "uploads/") {
        let u = Number(q.get("continuation-token") ?? 0);
        for (; u < users && n < max; u++, n++) body += `<CommonPrefixes><Prefix>${user(u)}</Prefix></CommonPrefixes>`;
        if (u < users) (truncated = true), (next = String(u));
      } else {
        const m = /^uploads\/u(\d{5})\/$/.exec(prefix);
        if (m) {
          const u = Number(m[1]);
          const end = Math.min(total, (u + 1) * per);
          let g = u * per;
          if (q.get("continuation-token")) g = Number(q.get("continuation-token"));
          else if (q.get("start-after")) g = indexOf(q.get("start-after")) + 1;
          for (; g < end && n < max; g++) {
            if (deleted[g]) continue;
            body += `<Contents><Key>${xml(key(g))}</Key><LastModified>${g % 2 === 0 ? OLD : NEW}</LastModified><ETag>"e"</ETag><Size>1024</Size><StorageClass>STANDARD</StorageClass></Contents>`;
            n++;
          }
          if (g < end) (truncated = true), (next = String(g));
        }
      }
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${n}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${next}</NextContinuationToken>` : ""}${body}</ListBucketResult>`);
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
    res.writeHead(200).end();
  });

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
  const d1 = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      counts.D1++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      const result = (body.batch ?? [body]).map((s) => ({ success: true, results: answer(s), meta: { changes: 0, duration: 0.1 } }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result }));
    });
  });
  return { s3, d1, counts, deletedCount: () => deleted.reduce((a, b) => a + b, 0) };
}

const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
const rows = [];
for (const total of sizes) {
  const fake = synthetic(total, USERS);
  const s3Port = await listen(fake.s3);
  const d1Port = await listen(fake.d1);
  const dir = benchProject();
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
  const r = await run(process.execPath, [...nodeArgs, kanvasBin, "images", "cleanup", "--older-than", "30d", "--remote", "--yes", "--json"], { cwd: dir, env });
  const s = JSON.parse(r.out);
  const expected = total / 2 - Math.ceil(total / 10); // old = even indexes; every 10th (even) is referenced
  const ok = s.deleted === expected && fake.deletedCount() === expected;
  rows.push({ total, seconds: r.seconds, perSecond: Math.round(total / r.seconds), ...fake.counts, peakMb: r.peakMb, deleted: s.deleted, ok });
  fake.s3.close();
  fake.d1.close();
  console.error(`${total}: ${r.seconds.toFixed(1)} s, ${JSON.stringify(fake.counts)}, ${r.peakMb.toFixed(0)} MB, deleted ${s.deleted} (${ok ? "as expected" : `expected ${expected}`})`);
}
const load = (await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ");
console.log(`| objects | users | wall | objects/s | List | DeleteObjects | D1 (per 10,000 listed) | peak RSS | correct |\n|---|---|---|---|---|---|---|---|---|`);
for (const x of rows) console.log(`| ${x.total.toLocaleString("en")} | ${USERS} | ${x.seconds.toFixed(1)} s | ${x.perSecond.toLocaleString("en")} | ${x.List} | ${x.DeleteObjects} | ${x.D1} (${((x.D1 / x.total) * 10_000).toFixed(2)}) | ${x.peakMb.toFixed(0)} MB | ${x.ok ? "yes" : "NO"} |`);
console.log(`\nload average during the run: ${load}`);

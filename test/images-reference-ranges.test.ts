import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { D1Client, D1Result } from "../src/clients/d1.js";
import { compareKeys } from "../src/domain/images/key-order.js";
import { InListReferences, RangeReferences } from "../src/domain/images/reference-ranges.js";
import { rangeSupportFrom } from "../src/domain/images/reference-schema.js";
import { deleteAssetRows } from "../src/domain/images/references.js";
import { loadSqlJs, type SqlDatabase } from "./helpers/fake-cloudflare/d1/sql.js";
import { mulberry32 } from "./helpers/fake-cloudflare/faults.js";

/** A D1Client over real SQLite (sql.js), counting requests, with the schema kanvas migrates. */
async function sqliteD1(schema = readFileSync("src/migrations/0000_kanvas_schema.sql", "utf8").split("--> statement-breakpoint")[0]! + ";CREATE UNIQUE INDEX idx_assets_r2_key ON assets (r2_key);") {
  const SQL = await loadSqlJs();
  const db: SqlDatabase = new SQL.Database();
  db.exec(schema);
  const run = (sql: string, params: unknown[] = []): D1Result => {
    const stmt = db.prepare(sql);
    stmt.bind(params as never);
    const results: Record<string, unknown>[] = [];
    while (stmt.step()) results.push(stmt.getAsObject());
    stmt.free();
    return { results, meta: { changes: db.getRowsModified() } };
  };
  let requests = 0;
  const client: D1Client = {
    target: "remote",
    check: async () => "sqlite",
    query: async <T>(sql: string, params?: unknown[]) => {
      requests++;
      if ((params?.length ?? 0) > 100) throw new Error("too many SQL variables");
      return run(sql, params) as unknown as D1Result<T>;
    },
    batch: async (statements) => {
      requests++;
      return statements.map((s) => run(s.sql, s.params));
    },
    raw: async () => {
      throw new Error("the orphan check never asks for the raw form");
    },
  };
  const insert = (keys: string[]) => keys.forEach((k, i) => run("INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES (?, 'u', ?, 1)", [`id-${i}-${k}`, k]));
  return { client, db, insert, requests: () => requests };
}

const PIECES = ["a", "A", "b", "B", "z", "Z", "%", "_", " ", "é", "e\u0301", "ß", "日", "本", "😀", "🎉", "\uE000", "\uFFFD", "-", "0", "9", "~", "\u007F", ".", "/"];

function randomKeys(rng: () => number, n: number): string[] {
  const keys = new Set<string>();
  while (keys.size < n) {
    const user = `u${Math.floor(rng() * 5)}${rng() < 0.2 ? "😀" : ""}`;
    let name = "";
    for (let len = 1 + Math.floor(rng() * 6); len > 0; len--) name += PIECES[Math.floor(rng() * PIECES.length)];
    const key = `uploads/${user}/${name}`;
    keys.add(key);
    // Keys that are prefixes of each other.
    if (rng() < 0.2) keys.add(key + PIECES[Math.floor(rng() * PIECES.length)]);
  }
  return [...keys];
}

describe("key order", () => {
  it("compares like UTF-8 bytes (R2's listing order and SQLite's BINARY collation), not like JavaScript's <", () => {
    const rng = mulberry32(7);
    const keys = randomKeys(rng, 400);
    const bytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...keys].sort(compareKeys)).toEqual(bytes);
    expect("😀" < "\uE000").toBe(true); // UTF-16 says so…
    expect(compareKeys("😀", "\uE000")).toBeGreaterThan(0); // …bytes say otherwise (F0… > EE…)
  });
});

describe("orphan check by key ranges", () => {
  it.each([1, 2, 3, 4, 5, 6])("gives the same verdict as the IN check on random keys (seed %i)", async (seed) => {
    const rng = mulberry32(seed);
    const { client, insert } = await sqliteD1();
    const listed = randomKeys(rng, 600).sort(compareKeys);
    const referenced = listed.filter(() => rng() < [0.05, 0.5, 1][seed % 3]!);
    // Rows for keys that are not listed: just before/after listed keys, other prefixes, other case.
    const near = listed.filter(() => rng() < 0.1).flatMap((k) => [k + " ", k + "\u0000", k.slice(0, -1), k.toUpperCase(), k.normalize("NFD")]);
    const outside = ["uploads.", "uploads0", "uploadsZ", "Uploads/u0/a", "upload", "uploads/"];
    const rows = new Set([...referenced, ...near, ...outside]);
    insert([...rows]);
    const ranges = new RangeReferences(client, { prefix: "uploads/", rowsPerQuery: 1 + Math.floor(rng() * 20) });
    const plain = new InListReferences(client);
    // Pages as the listing streams deliver them: in order per user, the users side by side.
    const pages: string[][] = [];
    for (let i = 0; i < listed.length; ) {
      const size = 1 + Math.floor(rng() * 60);
      pages.push(listed.slice(i, i + size));
      i += size;
    }
    const order = pages.map((_, i) => i).sort(() => rng() - 0.5);
    const verdicts = await Promise.all(order.map(async (i) => [await ranges.referenced(pages[i]!), await plain.referenced(pages[i]!)] as const));
    for (const [byRange, byIn] of verdicts) expect([...byRange].sort()).toEqual([...byIn].sort());
    const all = new Set(verdicts.flatMap(([r]) => [...r]));
    expect(all.size).toBe(listed.filter((k) => rows.has(k)).length);
  });

  it("sends at most 1 D1 request per 10,000 keys when few are referenced, 1 per 2,000 when all are", async () => {
    for (const share of [0.1, 1]) {
      const { client, insert } = await sqliteD1();
      const listed = Array.from({ length: 20 }, (_, u) => Array.from({ length: 1000 }, (_, i) => `uploads/u${String(u).padStart(3, "0")}/${String(i).padStart(6, "0")}.jpg`)).flat();
      insert(listed.filter((_, i) => i % Math.round(1 / share) === 0));
      const ranges = new RangeReferences(client, { prefix: "uploads/" });
      let found = 0;
      for (let i = 0; i < listed.length; i += 1000) found += (await ranges.referenced(listed.slice(i, i + 1000))).size;
      expect(found).toBe(listed.length * share);
      expect(ranges.requests).toBeLessThanOrEqual(share === 1 ? listed.length / 2000 : listed.length / 10_000);
    }
  });

  it("asks again for a span older than its maximum age (a row added meanwhile is seen)", async () => {
    const { client, insert } = await sqliteD1();
    let now = 0;
    const ranges = new RangeReferences(client, { prefix: "uploads/", maxAgeMs: 1000, now: () => now });
    expect([...(await ranges.referenced(["uploads/a", "uploads/b"]))]).toEqual([]);
    insert(["uploads/b"]);
    expect([...(await ranges.referenced(["uploads/b"]))]).toEqual([]); // within the span's age
    now = 2000;
    expect([...(await ranges.referenced(["uploads/b"]))]).toEqual(["uploads/b"]);
  });

  it("--include-referenced deletes rows 1000 keys per D1 request (several statements per batch)", async () => {
    const d1 = await sqliteD1();
    const keys = Array.from({ length: 2500 }, (_, i) => `uploads/u/${i}`);
    d1.insert(keys);
    const before = d1.requests();
    expect(await deleteAssetRows(d1.client, keys)).toBe(2500);
    expect(d1.requests() - before).toBe(3);
  });
});

describe("range support from sqlite_master", () => {
  const table = (col: string, rest = "") => ({ type: "table", name: "assets", sql: `CREATE TABLE \`assets\` (\n\t\`id\` text PRIMARY KEY NOT NULL,\n\t${col},\n\t\`size_bytes\` integer NOT NULL${rest})` });
  const index = (sql: string) => ({ type: "index", name: "i", sql });
  it.each([
    ["kanvas's schema (unique index)", [table("`r2_key` text NOT NULL"), index("CREATE UNIQUE INDEX `idx_assets_r2_key` ON `assets` (`r2_key`)")], true],
    ["UNIQUE on the column", [table("r2_key TEXT NOT NULL UNIQUE"), { type: "index", name: "sqlite_autoindex_assets_1", sql: null }], true],
    ["a UNIQUE table constraint", [table("r2_key TEXT NOT NULL", ", UNIQUE (r2_key)")], true],
    ["COLLATE NOCASE on the column", [table("r2_key TEXT NOT NULL COLLATE NOCASE UNIQUE")], false],
    ["no index", [table("`r2_key` text NOT NULL"), index("CREATE INDEX i ON assets (user_id)")], false],
    ["an index with COLLATE NOCASE", [table("`r2_key` text NOT NULL"), index("CREATE INDEX i ON assets (r2_key COLLATE NOCASE)")], false],
    ["a partial index", [table("`r2_key` text NOT NULL"), index("CREATE INDEX i ON assets (r2_key) WHERE size_bytes > 0")], false],
    ["no table", [], false],
  ])("%s", (_, rows, ok) => {
    const support = rangeSupportFrom(rows as never);
    expect(support.ok).toBe(ok);
    if (!support.ok) expect(support.reason).toMatch(/COLLATE|index|table/);
  });
});

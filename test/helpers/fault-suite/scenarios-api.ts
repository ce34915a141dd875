/** The fault suite's scenarios for commands that talk to the Cloudflare API (D1, KV). */
import { expect } from "vitest";
import { rigProject } from "../reliability-rig.js";
import { d1, EXTRA_MIGRATIONS, kvText, migrated, rig, tableNames, type Scenario } from "./rig.js";

export const apiScenarios: Scenario[] = [
  {
    name: "db migrate",
    side: "api",
    async setup() {
      const p = rigProject(rig, { files: EXTRA_MIGRATIONS });
      return {
        p,
        args: ["db", "migrate", "--remote", "--json"],
        async check(r) {
          const tables = tableNames(p);
          const rows = tables.includes("d1_migrations") ? d1(p, "SELECT name FROM d1_migrations ORDER BY id").map((x) => String(x.name)) : [];
          // Each migration exactly once, and its changes present if and only if its bookkeeping row is.
          expect(new Set(rows).size, "duplicate bookkeeping rows").toBe(rows.length);
          expect(rows.includes("0000_kanvas_schema.sql")).toBe(tables.includes("users"));
          for (const t of ["t1", "t2"]) {
            const has = rows.includes(`000${t.slice(1)}_${t}.sql`);
            expect(tables.includes(t), `${t} vs its row`).toBe(has);
            if (has) expect(d1(p, `SELECT count(*) AS n FROM ${t}`)).toEqual([{ n: 1 }]);
          }
          // The lock is released whatever happened; only an outage that outlasts the retries on the release
          // itself leaves it (with a warning naming --force-unlock), and then it expires on its own.
          const locks = tables.includes("kanvas_migrations_lock") ? d1(p, "SELECT holder FROM kanvas_migrations_lock") : [];
          if (!/could not release the migration lock/.test(r.stderr)) expect(locks, `lock left behind (exit ${r.code}):\n${r.stderr}`).toEqual([]);
          if (r.code === 0) expect(rows).toEqual(["0000_kanvas_schema.sql", "0001_t1.sql", "0002_t2.sql"]);
        },
      };
    },
  },
  {
    name: "db query (read)",
    side: "api",
    async setup() {
      const p = await migrated();
      d1(p, "INSERT INTO users (id, email) VALUES ('u0', 'u0@x')");
      return {
        p,
        args: ["db", "query", "SELECT id, email FROM users", "--remote", "--json"],
        async check(r) {
          if (r.code === 0) expect(JSON.parse(r.stdout)).toEqual([{ id: "u0", email: "u0@x" }]);
        },
      };
    },
  },
  {
    name: "db query (write)",
    side: "api",
    mayFail: ["500", "502", "503", "dropped connection"],
    async setup() {
      const p = await migrated();
      return {
        p,
        args: ["db", "query", "INSERT INTO users (id, email) VALUES ('w1', 'w1@x')", "--remote", "--yes"],
        async check(r) {
          // never applied twice; applied once when the run says so
          const n = Number(d1(p, "SELECT count(*) AS n FROM users WHERE id = 'w1'")[0]!.n);
          expect(n).toBeLessThanOrEqual(1);
          if (r.code === 0) expect(n).toBe(1);
        },
      };
    },
  },
  {
    name: "db restore",
    side: "api",
    async setup() {
      const p = await migrated();
      const bookmark = rig.cf.d1.currentBookmark(p.dbId);
      d1(p, "INSERT INTO users (id, email) VALUES ('later', 'later@x')");
      return {
        p,
        args: ["db", "restore", "--bookmark", bookmark, "--remote", "--yes"],
        async check(r) {
          const n = Number(d1(p, "SELECT count(*) AS n FROM users")[0]!.n);
          if (r.code === 0) expect(n).toBe(0);
          else expect([0, 1]).toContain(n);
          const audit = p.audit().filter((a) => a.command === "db restore");
          expect(audit.length, "one audit line per restore run").toBeLessThanOrEqual(1);
          if (r.code === 0) expect(audit).toHaveLength(1);
        },
      };
    },
  },
  {
    name: "cache get",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      rig.cf.kv.put(p.nsId, "greeting", "hello");
      return {
        p,
        args: ["cache", "get", "greeting", "--remote"],
        async check(r) {
          if (r.code === 0) expect(r.stdout).toBe("hello");
        },
      };
    },
  },
  {
    name: "cache put",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      return {
        p,
        args: ["cache", "put", "k 1", "value one", "--ttl", "5m", "--remote"],
        async check(r) {
          const v = kvText(p, "k 1");
          if (r.code === 0) expect(v).toBe("value one");
          else expect([undefined, "value one"]).toContain(v);
        },
      };
    },
  },
  {
    name: "cache put --bulk",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      const pairs = Array.from({ length: 120 }, (_, i) => ({ key: `bulk:${i}`, value: `v${i}` }));
      p.write("pairs.json", JSON.stringify(pairs));
      return {
        p,
        args: ["cache", "put", "--bulk", "pairs.json", "--remote", "--json"],
        async check(r) {
          const keys = rig.cf.kv.keys(p.nsId);
          for (const k of keys) expect(kvText(p, k)).toBe(`v${k.slice(5)}`);
          expect(new Set(keys).size).toBe(keys.length);
          if (r.code === 0) {
            expect(keys).toHaveLength(120);
            expect(JSON.parse(r.stdout)).toMatchObject({ written: 120, failed: [] });
          }
        },
      };
    },
  },
  {
    name: "cache list",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      for (let i = 0; i < 30; i++) rig.cf.kv.put(p.nsId, `list:${i}`, "x");
      return {
        p,
        args: ["cache", "list", "--remote", "--json"],
        async check(r) {
          if (r.code === 0) expect((JSON.parse(r.stdout) as unknown[]).length).toBe(30);
        },
      };
    },
  },
  {
    name: "cache delete",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      for (const k of ["a", "b", "keep"]) rig.cf.kv.put(p.nsId, k, "x");
      return {
        p,
        args: ["cache", "delete", "a", "b", "--remote", "--yes"],
        async check(r) {
          const keys = rig.cf.kv.keys(p.nsId);
          expect(keys).toContain("keep");
          if (r.code === 0) expect(keys).toEqual(["keep"]);
          expect(p.audit().filter((a) => a.command === "cache delete").length).toBeLessThanOrEqual(1);
        },
      };
    },
  },
  {
    name: "cache ratelimit hit",
    side: "api",
    async setup() {
      const p = rigProject(rig, { migrations: false });
      return {
        p,
        args: ["cache", "ratelimit", "hit", "u1", "draw", "--remote"],
        async check(r) {
          const keys = rig.cf.kv.keys(p.nsId).filter((k) => k.startsWith("rate_limit:u1:draw:"));
          const count = keys.length ? Number(kvText(p, keys[0]!)) : 0;
          expect(count, "a hit is counted at most once").toBeLessThanOrEqual(1);
          if (r.code === 0) expect(count).toBe(1);
        },
      };
    },
  },
];

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { migrationChecksum } from "../src/domain/migrate/checksum.js";
import { destructiveReason, isReadOnly, isTransactionControl } from "../src/clients/sql-classify.js";
import { listMigrationFiles } from "../src/domain/migrate/files.js";
import { splitSql } from "../src/domain/migrate/split.js";

const sqls = (text: string) => splitSql(text).map((s) => s.sql);

describe("splitSql", () => {
  it("splits on ; but not inside strings, quoted identifiers or comments", () => {
    const text = `INSERT INTO t VALUES ('a;b', 'it''s; fine');
SELECT "we;ird", \`x;y\`, [z;w] FROM t; -- trailing; comment
/* block; comment */ SELECT 2;`;
    expect(sqls(text)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      'SELECT "we;ird", `x;y`, [z;w] FROM t',
      "SELECT 2",
    ]);
  });

  it("keeps a CREATE TRIGGER … BEGIN … END body (with CASE … END inside) as one statement", () => {
    const text = `CREATE TABLE a(x);
CREATE TRIGGER trg AFTER INSERT ON a BEGIN
  INSERT INTO log VALUES (CASE WHEN new.x > 1 THEN 'big;' ELSE 'small' END);
  UPDATE a SET x = x + 1 WHERE rowid = new.rowid;
END;
CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT 1; END;
SELECT 3;`;
    const out = sqls(text);
    expect(out).toHaveLength(4);
    expect(out[1]).toMatch(/^CREATE TRIGGER trg[\s\S]*WHERE rowid = new.rowid;\nEND$/);
    expect(out[2]).toBe("CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT 1; END");
    expect(out[3]).toBe("SELECT 3");
  });

  it("accepts CRLF, a BOM and drizzle's statement-breakpoint markers, and reports start lines", () => {
    const text = "\uFEFFCREATE TABLE a (x int);--> statement-breakpoint\r\nCREATE INDEX i ON a (x)\r\n--> statement-breakpoint\r\n\r\nCREATE TABLE b (y int);\r\n";
    const out = splitSql(text);
    expect(out.map((s) => s.sql)).toEqual(["CREATE TABLE a (x int)", "CREATE INDEX i ON a (x)", "CREATE TABLE b (y int)"]);
    expect(out.map((s) => s.line)).toEqual([1, 2, 5]);
  });

  it("drops comment-only text and empty statements", () => {
    expect(sqls("-- Migration number: 0001 \t 2026-01-01\n;;\n/* nothing */\n")).toEqual([]);
  });
});

describe("statement classification", () => {
  it("flags destructive statements and only those", () => {
    expect(destructiveReason("DROP TABLE users")).toBe("DROP TABLE users");
    expect(destructiveReason("DROP TABLE IF EXISTS `rooms`")).toBe("DROP TABLE rooms");
    expect(destructiveReason("ALTER TABLE users DROP COLUMN name")).toBe("ALTER TABLE users DROP COLUMN");
    expect(destructiveReason("DELETE FROM assets")).toBe("DELETE without WHERE");
    expect(destructiveReason("UPDATE users SET name = 'x'")).toBe("UPDATE without WHERE");
    expect(destructiveReason("WITH old AS (SELECT id FROM t WHERE a) DELETE FROM t")).toBe("DELETE without WHERE");
    for (const safe of [
      "DELETE FROM assets WHERE user_id = 'u1'",
      "UPDATE users SET name = 'x' WHERE id = 1",
      "INSERT INTO t VALUES (1) ON CONFLICT(id) DO UPDATE SET v = 2",
      "DROP INDEX idx_users_email",
      "ALTER TABLE users ADD COLUMN drop_me TEXT",
      "SELECT 'DROP TABLE users'",
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END",
    ]) {
      expect(destructiveReason(safe), safe).toBeUndefined();
    }
  });

  it("knows transaction control and read-only statements", () => {
    expect(isTransactionControl("BEGIN TRANSACTION")).toBe(true);
    expect(isTransactionControl("COMMIT")).toBe(true);
    expect(isTransactionControl("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END")).toBe(false);
    expect(isReadOnly("SELECT * FROM users")).toBe(true);
    expect(isReadOnly("WITH x AS (SELECT 1) SELECT * FROM x")).toBe(true);
    expect(isReadOnly("PRAGMA table_info(users)")).toBe(true);
    expect(isReadOnly("PRAGMA foreign_keys = OFF")).toBe(false);
    expect(isReadOnly("WITH x AS (SELECT 1) DELETE FROM t WHERE id IN x")).toBe(false);
    expect(isReadOnly("INSERT INTO t VALUES (1)")).toBe(false);
    expect(isReadOnly("/* SELECT */ DELETE FROM t WHERE 1")).toBe(false);
  });
});

describe("migration files", () => {
  const folder = (names: string[]) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-files-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const n of names) writeFileSync(path.join(dir, n), "SELECT 1;");
    return dir;
  };

  it("orders by leading number, then name (as wrangler), ignoring non-.sql files", () => {
    const dir = folder(["10_ten.sql", "2_two.sql", "0001_one.sql", "notes.md"]);
    expect(listMigrationFiles(dir, "m").map((f) => f.name)).toEqual(["0001_one.sql", "2_two.sql", "10_ten.sql"]);
  });

  it("refuses two files with the same number, naming both", () => {
    const dir = folder(["0001_a.sql", "0001_b.sql"]);
    expect(() => listMigrationFiles(dir, "m")).toThrow(/0001_a.sql and 0001_b.sql in m have the same number 1/);
  });

  it("checksums ignore CRLF and a BOM but not edits", () => {
    const a = migrationChecksum(Buffer.from("CREATE TABLE a(x);\nSELECT 1;\n"));
    expect(migrationChecksum(Buffer.from("\uFEFFCREATE TABLE a(x);\r\nSELECT 1;\r\n"))).toBe(a);
    expect(migrationChecksum(Buffer.from("CREATE TABLE a(y);\nSELECT 1;\n"))).not.toBe(a);
  });
});

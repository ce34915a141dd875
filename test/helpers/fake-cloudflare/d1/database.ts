/**
 * One fake D1 database: a sql.js database plus its Time Travel history.
 * Every request that changes the database takes a snapshot (db.export()); a bookmark names a
 * snapshot, and restoring really puts that snapshot back.
 */
import { createHash } from "node:crypto";
import {
  rowsAsObjects,
  runAtomically,
  scalar,
  type D1Query,
  type D1StatementResult,
  type RunOptions,
  type SqlDatabase,
  type SqlJs,
} from "./sql.js";

export interface Bookmark {
  bookmark: string;
  /** ms since epoch, on the fake's clock */
  at: number;
}

interface Snapshot extends Bookmark {
  data: Uint8Array;
}

export class FakeD1Database {
  private db: SqlDatabase;
  private readonly history: Snapshot[] = [];
  private seq = 0;

  constructor(
    private readonly sqlJs: SqlJs,
    readonly uuid: string,
    readonly name: string,
    readonly createdAt: number,
    private readonly now: () => number,
  ) {
    this.db = new sqlJs.Database();
    this.configure();
    this.snapshot();
  }

  /** Runs a D1 request atomically; snapshots afterwards when anything changed. */
  run(queries: D1Query[], opts: RunOptions): D1StatementResult[] {
    const results = runAtomically(this.db, queries, opts);
    if (results.some((r) => r.meta.changed_db)) this.snapshot();
    return results;
  }

  /** Test setup/assertions: runs SQL (no D1 limits) and returns the last statement's rows. */
  exec(sql: string, params?: unknown[]): Record<string, unknown>[] {
    const results = this.run([{ sql, params }], { enforceLimits: false });
    const last = results[results.length - 1];
    return last ? rowsAsObjects(last) : [];
  }

  get currentBookmark(): string {
    return this.history[this.history.length - 1]!.bookmark;
  }

  bookmarks(): Bookmark[] {
    return this.history.map(({ bookmark, at }) => ({ bookmark, at }));
  }

  /** The bookmark of the state at a time: the last snapshot taken at or before it. */
  bookmarkAt(at: number): string {
    let found = this.history[0]!;
    for (const s of this.history) if (s.at <= at) found = s;
    return found.bookmark;
  }

  hasBookmark(bookmark: string): boolean {
    return this.history.some((s) => s.bookmark === bookmark);
  }

  /** Puts the database back to a bookmark's state; the restored state gets a new bookmark. */
  restore(bookmark: string): { bookmark: string; previous_bookmark: string } {
    const target = this.history.find((s) => s.bookmark === bookmark);
    if (!target) throw new Error(`unknown bookmark ${bookmark}`);
    const previous = this.currentBookmark;
    this.db.close();
    this.db = new this.sqlJs.Database(target.data);
    this.configure();
    this.snapshot();
    return { bookmark: this.currentBookmark, previous_bookmark: previous };
  }

  info(): { num_tables: number; file_size: number } {
    return {
      num_tables: scalar(this.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'"),
      file_size: scalar(this.db, "PRAGMA page_count") * scalar(this.db, "PRAGMA page_size"),
    };
  }

  close(): void {
    this.db.close();
  }

  private snapshot(): void {
    const data = this.db.export();
    // sql.js reopens the database on export(), which resets connection settings.
    this.configure();
    const at = this.now();
    const digest = createHash("md5").update(data).digest("hex");
    const bookmark = [hex8(++this.seq), hex8(Math.floor(at / 1000)), hex8(data.length), digest].join("-");
    this.history.push({ bookmark, at, data });
  }

  private configure(): void {
    // D1 enforces foreign keys.
    this.db.run("PRAGMA foreign_keys = ON");
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

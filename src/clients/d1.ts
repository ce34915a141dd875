import type { TargetKind } from "../core/target.js";

export interface D1Meta {
  changes?: number;
  duration?: number;
  last_row_id?: number;
  rows_read?: number;
  rows_written?: number;
  changed_db?: boolean;
  size_after?: number;
}

export interface D1Result<T = Record<string, unknown>> {
  results: T[];
  meta: D1Meta;
}

export interface D1Statement {
  sql: string;
  params?: unknown[];
}

/** One statement's result in D1's /raw form, without its rows: the columns (in order, duplicates kept). */
export interface D1RawHead {
  columns: string[];
  meta: D1Meta;
  rowCount: number;
}

/**
 * D1's /raw answer, handed over row by row: `rows` yields the rows of results[0], then of results[1]…
 * (each result's rowCount tells where one ends). A row, once yielded, is no longer held by the client.
 */
export interface D1RawStream {
  results: D1RawHead[];
  rows: AsyncIterable<unknown[]>;
}

export interface QueryOptions {
  /** A write that is safe to send twice (e.g. a DELETE of our own lock row): retried like a read. */
  idempotent?: boolean;
}

/** What `db export` asks D1's export API for (its dump_options). */
export interface ExportOptions {
  noData?: boolean;
  noSchema?: boolean;
  tables?: string[];
  /** Progress lines Cloudflare reports while polling. */
  onMessage?: (line: string) => void;
}

/** A finished remote export: a signed URL (valid one hour) to stream the SQL from. */
export interface ExportReady {
  url: string;
  filename: string;
  /** The database's bookmark the dump was taken at. */
  bookmark: string;
}

/** D1, local (Miniflare) or remote (REST API). Extended by the D1 commands. */
export interface D1Client {
  readonly target: TargetKind;
  /** Confirms the database exists and answers; returns a one-line description (name and id). */
  check(): Promise<string>;
  /** One statement with `?` parameters bound (never spliced). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<D1Result<T>>;
  /** Statements applied as one unit (a transaction): all or nothing; results in order. */
  batch(statements: D1Statement[]): Promise<D1Result[]>;
  /**
   * Statements (one, or several as one atomic batch) in D1's /raw form: columns plus row arrays, so
   * column order and duplicate names survive. D1 returns a result whole; this hands it on row by row.
   */
  raw(statements: D1Statement[]): Promise<D1RawStream>;
}

/** Time Travel (remote only; the context hands it out: `ctx.timeTravel()`). */
export interface D1TimeTravel {
  /** The current bookmark, or the nearest at or before `timestamp` (ISO 8601). */
  bookmark(timestamp?: string): Promise<string>;
  /** Puts the database back to a bookmark. */
  restore(bookmark: string): Promise<{ bookmark: string; previousBookmark?: string }>;
}

/** D1's export API (remote only: `ctx.d1Export()`): start, poll; the caller streams the URL. */
export interface D1Export {
  exportSql(opts: ExportOptions): Promise<ExportReady>;
}

/** D1's import API (remote only: `ctx.d1Import()`): init, upload, ingest, poll, atomically. */
export interface D1Import {
  importSql(sql: string): Promise<void>;
  /** Migrations larger than this go through `importSql` rather than one /query call. */
  readonly importThresholdBytes: number;
}

/** The remote D1 client: the common interface plus what only Cloudflare has. */
export type RemoteD1Client = D1Client & D1TimeTravel & D1Export & D1Import;

/**
 * Applies one migration as one unit: its statements, its bookkeeping rows and a lock refresh in a
 * single batch (Miniflare: one transaction; remote: one /query request). A write is never re-sent
 * blindly: on an unclear outcome the bookkeeping table says whether it landed.
 */
import type { D1Client, D1Import, D1Statement } from "../../clients/d1.js";
import { CloudflareServiceError } from "../../core/errors.js";
import { isRecorded, recordStatements } from "./bookkeeping.js";
import { refreshLockStatement } from "./lock.js";
import type { PendingMigration, PlannedStatement } from "./plan.js";

export interface ApplyOptions {
  d1: D1Client;
  /** D1's import API where the target has it (remote): big migrations go through it. */
  importer?: D1Import;
  table: string;
  holder: string;
  lockTtlMs: number;
  now: () => number;
  /** Extra bookkeeping to ride along (checksum adoption), run after the migration's own rows. */
  extra?: D1Statement[];
  /** Migrations of this run already applied, for the failure message. */
  appliedBefore: number;
}

export interface ApplyResult {
  ms: number;
  /** "import" when the migration went through D1's import API. */
  via: "batch" | "import";
  /** True when the outcome was unclear and the bookkeeping table showed it had landed. */
  recovered?: boolean;
}

export async function applyMigration(m: PendingMigration, opts: ApplyOptions): Promise<ApplyResult> {
  const { d1, importer } = opts;
  const started = performance.now();
  const bookkeeping = [...recordStatements(opts.table, m.name, m.checksum), refreshLockStatement(opts.holder, opts.now() + opts.lockTtlMs), ...(opts.extra ?? [])];
  const useImport = importer !== undefined && m.bytes > importer.importThresholdBytes;
  try {
    if (useImport) await importer.importSql(toSqlFile([...m.statements, ...bookkeeping]));
    else await d1.batch([...m.statements.map((s) => ({ sql: s.sql })), ...bookkeeping]);
    return { ms: Math.round(performance.now() - started), via: useImport ? "import" : "batch" };
  } catch (error) {
    if (error instanceof CloudflareServiceError && error.outcomeUnknown) {
      // The request may or may not have run; the bookkeeping row is written in the same transaction.
      if (await isRecorded(d1, opts.table, m.name)) {
        return { ms: Math.round(performance.now() - started), via: useImport ? "import" : "batch", recovered: true };
      }
      throw new CloudflareServiceError(
        `${m.name}: the connection failed before D1 answered, and the migrations table shows it did not land: nothing from ${m.name} was applied${applied(opts.appliedBefore)}. Run kanvas db migrate again.`,
        { service: "d1", status: error.status, cfCode: error.cfCode, cause: error },
      );
    }
    if (!(error instanceof CloudflareServiceError) || error.status === undefined || error.status >= 500 || error.status === 401 || error.status === 403 || error.status === 404 || error.status === 429) {
      throw error;
    }
    const failed = await locateFailure(d1, m.statements).catch(() => undefined);
    const where = failed ? ` line ${failed.line}: ${oneLine(failed.sql)}` : "";
    throw new CloudflareServiceError(
      `${m.name} failed${where ? ` at${where}` : ""} — D1 said: ${stripPrefix(error.message)}. Nothing from ${m.name} was applied (its statements and bookkeeping row were rolled back together)${applied(opts.appliedBefore)}. Fix the file and run kanvas db migrate again.`,
      { service: "d1", status: error.status, cfCode: error.cfCode, cause: error },
    );
  }
}

function applied(n: number): string {
  return n > 0 ? `; the ${n} migration(s) before it in this run are applied` : "";
}

const SENTINEL = "kanvas_probe_rollback_7c1e";

/**
 * Which statement failed. D1 reports only the message, so prefixes of the batch are replayed with a
 * statement that always fails appended: every probe rolls back, nothing changes, and whether the
 * sentinel's error or the real one comes back tells where the real one is (binary search).
 */
export async function locateFailure(d1: D1Client, statements: PlannedStatement[]): Promise<PlannedStatement | undefined> {
  const probe = async (count: number): Promise<boolean> => {
    try {
      await d1.batch([...statements.slice(0, count).map((s) => ({ sql: s.sql })), { sql: `SELECT * FROM ${SENTINEL}` }]);
      return false;
    } catch (error) {
      return !(error instanceof Error && error.message.includes(SENTINEL));
    }
  };
  let lo = 1;
  let hi = statements.length;
  if (hi === 1) return statements[0];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await probe(mid)) hi = mid;
    else lo = mid + 1;
  }
  return statements[lo - 1];
}

function toSqlFile(statements: Array<{ sql: string; params?: unknown[] }>): string {
  return statements.map((s) => inlineParams(s.sql, s.params ?? []) + ";").join("\n");
}

/** The import API takes a plain SQL file: bookkeeping parameters are inlined as SQL literals. */
function inlineParams(sql: string, params: unknown[]): string {
  if (params.length === 0) return sql;
  let i = 0;
  return sql.replace(/\?/g, () => literal(params[i++]));
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

export function oneLine(sql: string, max = 160): string {
  const s = sql.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function stripPrefix(message: string): string {
  return message.replace(/^D1_ERROR:\s*/, "").replace(/\.$/, "");
}

import { requireD1 } from "../core/config/require.js";
import type { ClientDeps } from "./deps.js";
import { CloudflareServiceError, NotFoundError } from "../core/errors.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";
import type { D1RawStream, D1Result, D1Statement, QueryOptions, RemoteD1Client } from "./d1.js";
import { resolveDatabaseId } from "./d1-database-id.js";
import { exportSql } from "./d1-export.js";
import { importSql } from "./d1-import.js";
import { isReadOnly } from "./sql-classify.js";

/** Above this, a migration goes through the import API rather than one /query call (30 s limit). */
export const IMPORT_THRESHOLD_BYTES = 5 * 1024 * 1024;
/** D1's "database not found" code. */
const DB_NOT_FOUND = 7404;

/**
 * D1 over the REST API. Reads may be retried; writes never blindly (idempotent: false): a batch that
 * may or may not have run surfaces as outcomeUnknown for the caller to settle.
 */
export function createRemoteD1(deps: ClientDeps & { api: ApiAccess; fetch?: typeof fetch }): RemoteD1Client {
  const d1 = requireD1(deps.config);
  const { api } = deps;
  let idPromise: Promise<string> | undefined;
  const databaseId = () => (idPromise ??= resolveDatabaseId(d1, api, deps.monitor, deps.config.source));
  // No AbortSignal on D1 requests: a write cut off mid-flight has an unknown outcome, and commands
  // stop between requests instead (the SDK also leaves one abort listener per request on the signal).
  const opts = {};
  const label = () => `D1 database ${d1.databaseName ?? d1.binding}`;

  const call = async <T>(operation: string, idempotent: boolean, fn: (id: string) => Promise<T>): Promise<T> => {
    const id = await databaseId();
    return deps.monitor.call(
      "d1",
      operation,
      async () => {
        try {
          return await fn(id);
        } catch (error) {
          const mapped = mapApiError("d1", error, label());
          if (mapped instanceof CloudflareServiceError && mapped.status === 404 && (mapped.cfCode === DB_NOT_FOUND || mapped.cfCode === undefined)) {
            throw new NotFoundError(`${label()} (id ${id}) does not exist in account ${api.accountId}; check database_id in ${deps.config.source}.`, "d1_database_not_found");
          }
          throw mapped;
        }
      },
      { idempotent, retryAfterMs: apiRetryAfter },
    );
  };

  const run = async (statements: D1Statement[], idempotent: boolean): Promise<D1Result[]> =>
    call(statements.length === 1 ? "query" : "batch", idempotent, async (id) => {
      const body = requestBody(statements);
      const page = await api.sdk.d1.database.query(id, { account_id: api.accountId, ...body }, opts);
      return page.result as unknown as D1Result[];
    });

  const raw = async (statements: D1Statement[]): Promise<D1RawStream> => {
    const idempotent = statements.every((s) => isReadOnly(s.sql));
    const answer = await call(statements.length === 1 ? "raw" : "raw batch", idempotent, async (id) => {
      const page = await api.sdk.d1.database.raw(id, { account_id: api.accountId, ...requestBody(statements) }, opts);
      return page.result as unknown as Array<{ results?: { columns?: string[]; rows?: unknown[][] }; meta?: D1Result["meta"] }>;
    });
    const results = answer.map((r) => ({ columns: r.results?.columns ?? [], meta: r.meta ?? {}, rowCount: r.results?.rows?.length ?? 0 }));
    return { results, rows: handOn(answer.map((r) => r.results?.rows ?? [])) };
  };

  return {
    target: "remote",
    raw,
    importThresholdBytes: IMPORT_THRESHOLD_BYTES,
    async check() {
      const id = await databaseId();
      await call("database.get", true, (dbId) => api.sdk.d1.database.get(dbId, { account_id: api.accountId }, opts));
      return `${d1.databaseName ?? d1.binding} (${id})`;
    },
    async query<T>(sql: string, params: unknown[] = [], queryOpts: QueryOptions = {}) {
      // A read may be sent again after a dropped connection; a write only when the caller says it is safe.
      const [r] = await run([{ sql, params }], queryOpts.idempotent ?? isReadOnly(sql));
      return r as unknown as D1Result<T>;
    },
    async batch(statements) {
      if (statements.length === 0) return [];
      return run(statements, statements.every((s) => isReadOnly(s.sql)));
    },
    async bookmark(timestamp) {
      const r = await call("time_travel.bookmark", true, (id) => api.sdk.d1.database.timeTravel.getBookmark(id, { account_id: api.accountId, ...(timestamp ? { timestamp } : {}) }, opts));
      if (!r.bookmark) throw new CloudflareServiceError(`${label()}: Cloudflare returned no Time Travel bookmark.`, { service: "d1" });
      return r.bookmark;
    },
    async restore(bookmark) {
      const r = await call("time_travel.restore", false, (id) => api.sdk.d1.database.timeTravel.restore(id, { account_id: api.accountId, bookmark }, opts));
      return { bookmark: r.bookmark ?? bookmark, previousBookmark: r.previous_bookmark };
    },
    async exportSql(o) {
      return exportSql(api, await databaseId(), deps.monitor, { ...o, signal: deps.signal });
    },
    async importSql(sql) {
      await importSql(api, await databaseId(), deps.monitor, sql, { signal: deps.signal, fetch: deps.fetch });
    },
  };
}

/** The /query and /raw body: one statement, or a batch (one transaction). */
function requestBody(statements: D1Statement[]): { sql: string; params: string[] } | { batch: Array<{ sql: string; params: string[] }> } {
  return statements.length === 1
    ? { sql: statements[0]!.sql, params: (statements[0]!.params ?? []) as string[] }
    : { batch: statements.map((s) => ({ sql: s.sql, params: (s.params ?? []) as string[] })) };
}

/** Yields the rows in order and lets go of each one as it is handed on, so rendered rows can be freed. */
async function* handOn(sets: unknown[][][]): AsyncGenerator<unknown[]> {
  for (let s = 0; s < sets.length; s++) {
    const rows = sets[s]!;
    sets[s] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      rows[i] = undefined as unknown as unknown[];
      yield row;
    }
  }
}

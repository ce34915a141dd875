import type { Miniflare } from "miniflare";
import { requireD1 } from "../core/config/require.js";
import type { ClientDeps } from "./deps.js";
import { AGAIN, backoff, retryRounds } from "../core/poll.js";
import type { D1Client, D1Result, QueryOptions } from "./d1.js";
import { isReadOnly } from "./sql-classify.js";
import { mapMiniflareError } from "./miniflare-errors.js";
import { D1_RAW_PATH, rawRequestBody, readRawResponse } from "./d1-local-raw.js";

const BUSY_ATTEMPTS = 12;

type LocalDatabase = Awaited<ReturnType<Miniflare["getD1Database"]>>;

export function createLocalD1(deps: ClientDeps & { mf: Miniflare }): D1Client {
  const d1 = requireD1(deps.config);
  let db: LocalDatabase | undefined;
  const open = async () => (db ??= await deps.mf.getD1Database(d1.binding));
  // Reads (and writes the caller says are safe) are sent again after a dropped connection to workerd,
  // as on the remote target (d1-remote.ts); other writes surface it as an unknown outcome.
  const run = <T>(operation: string, idempotent: boolean, fn: (db: LocalDatabase) => Promise<T>) =>
    deps.monitor.call(
      "d1",
      operation,
      async () => {
        // Another process (wrangler, a second kanvas) writing the same SQLite file makes a write fail
        // with SQLITE_BUSY before it ran: nothing was committed, so waiting and trying again is safe.
        let busy: unknown;
        const answer = await retryRounds(
          async () => {
            try {
              return { value: await fn(await open()) };
            } catch (error) {
              busy = mapMiniflareError(error, "d1", { operation, signal: deps.signal });
              if (!isBusy(busy)) throw busy;
              return AGAIN;
            }
          },
          { rounds: BUSY_ATTEMPTS, delayMs: (n) => (n === 1 ? 0 : backoff(n, 25, 1_000)), signal: deps.signal },
        );
        if (answer === AGAIN) throw busy;
        return answer.value;
      },
      { idempotent },
    );
  return {
    target: "local",
    async check() {
      await run("check", true, (db) => db.prepare("SELECT 1").first());
      return `${d1.databaseName ?? d1.binding} (local id ${d1.localId})`;
    },
    async query<T>(sql: string, params: unknown[] = [], queryOpts: QueryOptions = {}) {
      return run("query", queryOpts.idempotent ?? isReadOnly(sql), async (db) => (await db.prepare(sql).bind(...params).all()) as unknown as D1Result<T>);
    },
    async raw(statements) {
      // Through the worker's route (see d1-local-raw.ts), not the proxied binding: rows arrive one line
      // at a time. Errors (and SQLITE_BUSY retries) all happen before the first row is handed on.
      return run("raw", statements.every((s) => isReadOnly(s.sql)), async () =>
        readRawResponse(await deps.mf.dispatchFetch(`http://localhost${D1_RAW_PATH}`, { method: "POST", body: rawRequestBody(statements) })),
      );
    },
    async batch(statements) {
      return run("batch", statements.every((s) => isReadOnly(s.sql)), async (db) => (await db.batch(statements.map((s) => db.prepare(s.sql).bind(...(s.params ?? []))))) as unknown as D1Result[]);
    },
  };
}

/**
 * SQLITE_BUSY, as D1 reports it, or as workerd sometimes surfaces it: an opaque "internal error;
 * reference = …" (its log says "database is locked"). Either way Miniflare's D1 ran the statements in
 * one transaction that was rolled back, so nothing was committed and trying again is safe.
 */
function isBusy(error: unknown): boolean {
  return error instanceof Error && /SQLITE_BUSY|database is locked|internal error; reference = /.test(error.message);
}

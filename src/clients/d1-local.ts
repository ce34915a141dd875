import type { Miniflare } from "miniflare";
import { requireD1 } from "../config/require.js";
import type { ClientDeps } from "../context.js";
import { CloudflareServiceError } from "../errors.js";
import type { D1Client, D1Result } from "./d1.js";

type LocalDatabase = Awaited<ReturnType<Miniflare["getD1Database"]>>;

export function createLocalD1(deps: ClientDeps & { mf: Miniflare }): D1Client {
  const d1 = requireD1(deps.config);
  let db: LocalDatabase | undefined;
  const open = async () => (db ??= await deps.mf.getD1Database(d1.binding));
  const run = <T>(operation: string, fn: (db: LocalDatabase) => Promise<T>) =>
    deps.monitor.call(
      "d1",
      operation,
      async () => {
        try {
          return await fn(await open());
        } catch (error) {
          throw mapLocalError(error);
        }
      },
      { idempotent: false },
    );
  return {
    target: "local",
    async check() {
      await run("check", (db) => db.prepare("SELECT 1").first());
      return `${d1.databaseName ?? d1.binding} (local id ${d1.localId})`;
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return run("query", async (db) => (await db.prepare(sql).bind(...params).all()) as unknown as D1Result<T>);
    },
    async batch(statements) {
      return run("batch", async (db) => (await db.batch(statements.map((s) => db.prepare(s.sql).bind(...(s.params ?? []))))) as unknown as D1Result[]);
    },
  };
}

/** Miniflare wraps SQLite's message as "D1_ERROR: …"; keep D1's text, drop the wrapper's stack. */
function mapLocalError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const cause = (error as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : error.message;
  return new CloudflareServiceError(message, { service: "d1", status: 400, cause: error });
}

import { createHash } from "node:crypto";
import { CloudflareServiceError, InterruptedError } from "../core/errors.js";
import type { Monitor } from "../core/monitor.js";
import { poll } from "../core/poll.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";

/** Polls stop after this long (D1 imports of a few hundred MB finish well within it). */
const POLL_BUDGET_MS = 15 * 60_000;

interface ImportAnswer {
  success?: boolean;
  status?: string;
  upload_url?: string;
  filename?: string;
  at_bookmark?: string;
  error?: string;
}

/**
 * D1's import API, for SQL too large for one /query call: init (by md5), PUT the file to the
 * returned URL, ingest, then poll until complete. The import runs as one transaction.
 */
export async function importSql(
  api: ApiAccess,
  databaseId: string,
  monitor: Monitor,
  sql: string,
  opts: { signal: AbortSignal; fetch?: typeof fetch; pollMs?: number },
): Promise<void> {
  const body = Buffer.from(sql, "utf8");
  const etag = createHash("md5").update(body).digest("hex");
  const post = (action: string, params: Record<string, string>, idempotent: boolean) =>
    monitor.call(
      "d1",
      `import.${action}`,
      async () => {
        try {
          return (await api.sdk.d1.database.import(databaseId, { account_id: api.accountId, action, ...params } as never)) as unknown as ImportAnswer;
        } catch (error) {
          throw mapApiError("d1", error, `D1 import (${action})`);
        }
      },
      { idempotent, retryAfterMs: apiRetryAfter },
    );

  const init = await post("init", { etag }, true);
  let bookmark = init.at_bookmark;
  if (!bookmark) {
    if (!init.upload_url || !init.filename) throw new CloudflareServiceError(`D1 import: init gave no upload URL (${init.error ?? "no detail"}).`, { service: "d1" });
    const uploadUrl = init.upload_url;
    await monitor.call(
      "d1",
      "import.upload",
      async () => {
        const res = await (opts.fetch ?? fetch)(uploadUrl, { method: "PUT", body, signal: opts.signal }).catch((error: unknown) => {
          throw new CloudflareServiceError(`D1 import: uploading the SQL failed (${(error as Error).message}).`, { service: "d1", outcomeUnknown: true, cause: error });
        });
        const got = res.headers.get("etag")?.replace(/"/g, "");
        if (!res.ok) throw new CloudflareServiceError(`D1 import: uploading the SQL failed (HTTP ${res.status}).`, { service: "d1", status: res.status });
        if (got && got !== etag) throw new CloudflareServiceError(`D1 import: the upload's checksum does not match (sent ${etag}, stored ${got}); try again.`, { service: "d1" });
      },
      { idempotent: true },
    );
    const ingest = await post("ingest", { etag, filename: init.filename }, false);
    if (ingest.success === false || !ingest.at_bookmark) throw new CloudflareServiceError(`D1 import: ${ingest.error ?? "ingest failed"}`, { service: "d1", status: 400 });
    bookmark = ingest.at_bookmark;
  }
  await poll(
    async () => {
      const answer = await post("poll", { current_bookmark: bookmark }, true);
      if (answer.status === "complete" && answer.success !== false) return true;
      if (answer.status === "error" || answer.success === false) {
        throw new CloudflareServiceError(`D1 import: ${answer.error ?? "the import failed"}`, { service: "d1", status: 400 });
      }
      return undefined;
    },
    {
      intervalMs: opts.pollMs ?? 1000,
      timeoutMs: POLL_BUDGET_MS,
      signal: opts.signal,
      interrupted: () => new InterruptedError("Interrupted while D1 imports the migration; it may still complete. Run kanvas db migrate status to see."),
      timedOut: () => new CloudflareServiceError("D1 import: still running after 15 minutes; check the database before running again.", { service: "d1", outcomeUnknown: true }),
    },
  );
}

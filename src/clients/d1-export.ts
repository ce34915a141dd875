import { CloudflareServiceError, InterruptedError } from "../core/errors.js";
import { poll } from "../core/poll.js";
import type { Monitor } from "../core/monitor.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";
import type { ExportOptions, ExportReady } from "./d1.js";

/** An export of a few GB finishes well within this; past it we stop polling (which cancels it). */
const POLL_BUDGET_MS = 30 * 60_000;

interface ExportAnswer {
  success?: boolean;
  status?: "active" | "complete" | "error";
  at_bookmark?: string;
  error?: string;
  messages?: string[];
  result?: { filename?: string; signed_url?: string };
}

/**
 * D1's export API: POST …/export {output_format: "polling", dump_options}, then keep polling with
 * current_bookmark (Cloudflare cancels an export that is not polled) until it is complete and
 * hands out a signed URL. The database serves no queries while this runs.
 */
export async function exportSql(
  api: ApiAccess,
  databaseId: string,
  monitor: Monitor,
  opts: ExportOptions & { signal: AbortSignal; pollMs?: number },
): Promise<ExportReady> {
  const dumpOptions = { no_data: opts.noData || undefined, no_schema: opts.noSchema || undefined, tables: opts.tables?.length ? opts.tables : undefined };
  const post = (bookmark: string | undefined) =>
    monitor.call(
      "d1",
      bookmark ? "export.poll" : "export.start",
      async () => {
        try {
          return (await api.sdk.d1.database.export(databaseId, {
            account_id: api.accountId,
            output_format: "polling",
            ...(bookmark ? { current_bookmark: bookmark } : {}),
            dump_options: dumpOptions,
          })) as unknown as ExportAnswer;
        } catch (error) {
          throw mapApiError("d1", error, "D1 export");
        }
      },
      // Starting twice only starts the same export again (it is read-only); polling is a read.
      { idempotent: true, retryAfterMs: apiRetryAfter },
    );
  let answer = await post(undefined);
  const bookmark = answer.at_bookmark;
  return poll(
    async (n) => {
      if (n > 1) answer = await post(bookmark);
      for (const m of answer.messages ?? []) opts.onMessage?.(m);
      if (answer.status === "error" || answer.success === false) throw new CloudflareServiceError(`D1 export: ${answer.error ?? "the export failed"}`, { service: "d1", status: 400 });
      if (answer.status === "complete") {
        const url = answer.result?.signed_url;
        if (!url) throw new CloudflareServiceError("D1 export: complete, but Cloudflare gave no download URL.", { service: "d1" });
        return { url, filename: answer.result?.filename ?? "export.sql", bookmark: bookmark ?? "" };
      }
      if (!bookmark) throw new CloudflareServiceError("D1 export: Cloudflare gave no bookmark to poll with.", { service: "d1" });
      return undefined;
    },
    {
      intervalMs: opts.pollMs ?? 1000,
      timeoutMs: POLL_BUDGET_MS,
      signal: opts.signal,
      interrupted: () => new InterruptedError("Interrupted: the export was abandoned (Cloudflare cancels an export that is not polled); the database serves queries again shortly."),
      timedOut: () => new CloudflareServiceError("D1 export: still running after 30 minutes; stopped polling (which cancels it).", { service: "d1", outcomeUnknown: true }),
    },
  );
}

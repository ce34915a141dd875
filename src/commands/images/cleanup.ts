import { appendFileSync } from "node:fs";
import path from "node:path";
import type { D1Client } from "../../clients/d1.js";
import type { R2MultipartUploads } from "../../clients/r2.js";
import type { Context } from "../../context.js";
import { formatDuration } from "../../core/duration.js";
import { describeTargets } from "../../domain/confirm-summary.js";
import { CancelledError, CloudflareServiceError, ExitCode, InterruptedError, UsageError } from "../../core/errors.js";
import { BatchDeleter } from "../../domain/images/batch-deleter.js";
import { CleanupCheckpoint, zeroCounts, type CleanupCounts } from "../../domain/images/cleanup-checkpoint.js";
import { chooseReferenceChecker, DELETES_IN_FLIGHT, planPages, type DoomedObject, type PagePlan } from "../../domain/images/cleanup-pipeline.js";
import { formatBytes } from "../../domain/images/parts.js";
import { deleteAssetRows } from "../../domain/images/references.js";
import { StreamProgress } from "../../domain/images/stream-progress.js";
import { acquireNamedLock } from "../../domain/lock/named.js";
import { cleanupLockName, forceUnlockCleanup } from "./cleanup-unlock.js";
import { defineCommand } from "../define.js";
import { bool, duration, text, writablePath } from "../spec/flag.js";
import { dryRun, r2Target, yes } from "../spec/shared.js";

const HOUR = 3_600_000;

/** The result (the runner puts `target` first). A type, not an interface: it is the data of a CommandResult. */
type Summary = {
  bucket: string;
  prefix: string;
  olderThan: string;
  cutoff: string;
  dryRun: boolean;
  scanned: number;
  matched: number;
  referenced: number;
  deleted: number;
  bytesFreed: number;
  rowsDeleted: number;
  errors: number;
  failedKeys: Array<{ key: string; code: string; message: string }>;
  incompleteUploads: { found: number; aborted: number } | null;
  requests: number;
  seconds: number;
  interrupted: boolean;
  /** Keys already handled by an earlier, interrupted run of the same job (its counts are included). */
  resumed: number;
  /** --dry-run only: what would go (the first MAX_KEYS_LISTED). */
  keys?: string[];
  keysTruncated?: boolean;
  /** Real runs: what is gone (the first MAX_KEYS_LISTED of this run; --log-file has them all). */
  deletedKeys?: string[];
  deletedKeysTruncated?: boolean;
};

/** Keys named in the result: a bounded list, so memory stays flat at any bucket size. */
const MAX_KEYS_LISTED = 1000;

export default defineCommand({
  description: "delete objects older than a duration, keeping those D1 still references",
  examples: [
    "kanvas images cleanup --older-than 30d --dry-run",
    "kanvas images cleanup --older-than 30d --remote --yes --log-file deleted.ndjson",
    "kanvas images cleanup --older-than 2w --prefix uploads/u_123/ --incomplete-uploads --remote --json --yes",
  ],
  notes: [
    "Durations: 90m, 12h, 30d, 2w (under 1h needs --force). Only keys under --prefix (default uploads/) are considered.",
    "Objects whose key is in D1 assets.r2_key are kept ('referenced'); --include-referenced deletes those too, rows first.",
    "Deletes 1000 keys per request, a few requests in flight; keys that fail are retried, then listed (exit 1).",
    "Ctrl-C finishes the requests in flight, prints what was deleted and exits 130; running again goes on where it stopped",
    "(a checkpoint in .wrangler/kanvas/, removed when the job completes; --restart ignores it).",
    "Each run appends a line to the audit log (.wrangler/kanvas/audit.ndjson, or KANVAS_AUDIT_LOG).",
    "Two cleanups of one bucket never run at once: the second waits for the first (a lock row in D1, --lock-timeout).",
  ].join("\n"),
  flags: {
    olderThan: duration("delete objects last modified longer ago than this: 90m, 12h, 30d, 2w", { units: "mhdw" }),
    prefix: text("only keys under this prefix", { placeholder: "<prefix>", default: "uploads/" }),
    includeReferenced: bool("also delete objects D1 assets rows reference (and those rows, first)"),
    incompleteUploads: bool("also abort multipart uploads started before the threshold (remote)"),
    force: bool("allow --older-than under one hour"),
    logFile: writablePath("append one NDJSON line per deleted key"),
    lockTimeout: duration("how long to wait for another cleanup of this bucket to finish", { default: "2m", units: "smh" }),
    forceUnlock: bool("remove a stuck cleanup lock of this bucket, then exit (a dead run on this host is taken over without it)"),
    restart: bool("ignore the checkpoint of an interrupted run and list from the first key"),
    ...r2Target,
    ...yes,
    ...dryRun,
  },
  access: "write",
  check(v, fail) {
    if (v.forceUnlock) return;
    if (!v.olderThan) return fail("olderThan", "required: how old an object must be to go, e.g. --older-than 30d");
    if (v.olderThan.ms < HOUR && !v.force) {
      throw new UsageError(`--older-than ${v.olderThan.text} is under one hour: that can delete uploads still in progress. Add --force if you mean it.`, "threshold_too_short");
    }
  },
  async run(input, ctx) {
    if (input.forceUnlock) return forceUnlockCleanup(ctx, input.dryRun);
    const olderThan = input.olderThan!.text; // required unless --force-unlock (check)
    const ageMs = input.olderThan!.ms;
    const lockTimeoutMs = input.lockTimeout.ms;
    // Refuse before any work when no one can confirm (the listing may take a while).
    const mustAsk = !input.dryRun && !input.yes;
    if (mustAsk && !ctx.interactive) await ctx.confirm("", { yes: false, what: "images cleanup deletes objects" });

    const started = performance.now();
    const now = ctx.now();
    const config = await ctx.config();
    const r2 = await ctx.r2();
    const d1 = await ctx.d1();
    const logFile = input.logFile ? path.resolve(ctx.io.cwd, input.logFile) : undefined;
    if (!input.dryRun) {
      // Two cleanups of one bucket at once would both list, both delete, and both count every object:
      // the second waits for the first (wall clock, not the injectable one: other processes share it).
      // Taken before the checkpoint is read: only the holder may resume or move it.
      const lock = await acquireNamedLock(d1, cleanupLockName(r2.bucket), {
        command: ctx.command,
        onTakeOver: (line) => ctx.out.info(line),
        ttlMs: 30 * 60_000,
        timeoutMs: lockTimeoutMs,
        now: Date.now,
        signal: ctx.signal,
        onWait: (holder) => ctx.out.info(`Another cleanup of ${r2.bucket} is running (${holder}); waiting up to ${input.lockTimeout.text}…`),
      });
      ctx.onDispose(() => lock.release());
    }
    // A job interrupted earlier (Ctrl-C, kill, a lockout) goes on from its checkpoint, with its cutoff.
    const checkpoint = new CleanupCheckpoint(config.configDir, { target: ctx.target, bucket: r2.bucket, prefix: input.prefix, olderThan, includeReferenced: input.includeReferenced });
    const saved = input.dryRun || input.restart ? undefined : checkpoint.load();
    const cutoff = saved?.cutoff ?? now - ageMs;
    const base: CleanupCounts = saved?.counts ?? zeroCounts();
    const summary: Summary = {
      bucket: r2.bucket,
      prefix: input.prefix,
      olderThan: olderThan,
      cutoff: new Date(cutoff).toISOString(),
      dryRun: input.dryRun,
      scanned: 0,
      matched: 0,
      referenced: 0,
      deleted: 0,
      bytesFreed: 0,
      rowsDeleted: 0,
      errors: 0,
      failedKeys: [],
      incompleteUploads: null,
      requests: 0,
      seconds: 0,
      interrupted: false,
      resumed: base.scanned,
    };
    const deletedKeys: string[] = [];
    const live = zeroCounts();
    const saveCheckpoint = () => {
      if (input.dryRun) return;
      checkpoint.save({ version: 1, target: ctx.target, bucket: r2.bucket, prefix: input.prefix, olderThan, includeReferenced: input.includeReferenced, cutoff, counts: progress.committed, handled: progress.handled, done: [...progress.done], updatedAt: new Date().toISOString() });
    };
    const progress = new StreamProgress({ counts: base, handled: saved?.handled ?? {}, done: saved?.done ?? [] }, saveCheckpoint);
    const deleter = new BatchDeleter(r2, {
      signal: ctx.signal,
      inFlight: DELETES_IN_FLIGHT,
      onDeleted: (objects) => {
        for (const o of objects) if (deletedKeys.length < MAX_KEYS_LISTED) deletedKeys.push(o.key);
        // The log first: it records every deletion the checkpoint counts (and any it may not, after a kill -9).
        if (logFile) {
          const time = new Date().toISOString();
          appendFileSync(logFile, objects.map((o) => JSON.stringify({ time, bucket: r2.bucket, key: o.key, size: o.size })).join("\n") + "\n");
        }
        // Per page: what it freed, and (once every object of it is answered) the checkpoint moves on.
        const byTicket = new Map<DoomedObject["ticket"], number>();
        for (const o of objects as DoomedObject[]) {
          o.ticket.counts.deleted++;
          o.ticket.counts.bytesFreed += o.size;
          byTicket.set(o.ticket, (byTicket.get(o.ticket) ?? 0) + 1);
        }
        for (const [ticket, n] of byTicket) progress.answered(ticket, n);
      },
    });


    if (saved) ctx.out.info(`resuming: ${saved.counts.scanned.toLocaleString("en-US")} keys already handled (cutoff ${new Date(cutoff).toISOString()} kept; --restart lists from the first key)`);
    const checker = await chooseReferenceChecker(d1, input.prefix, ctx.out);
    const resume = { handled: progress.handled, done: [...progress.done] };
    const pages = planPages(r2, checker, { prefix: input.prefix, cutoff, includeReferenced: input.includeReferenced, resume, progress, live, signal: ctx.signal });
    let outcome: "ok" | "error" | "interrupted" | "dry-run" = input.dryRun ? "dry-run" : "ok";
    let failure: unknown;
    let declined = false;
    try {
      if (input.dryRun) {
        summary.keys = [];
        let planned = 0;
        for await (const page of pages) {
          for (const o of page.doomed) if (summary.keys.length < MAX_KEYS_LISTED) summary.keys.push(o.key);
          planned += page.doomed.length;
          progress.queued(page.ticket);
          summary.bytesFreed += page.doomed.reduce((n, o) => n + o.size, 0);
        }
        summary.keysTruncated = planned > summary.keys.length;
      } else if (mustAsk) {
        // At a terminal: scan first, ask with the counts, then delete what was listed.
        const planned: PagePlan[] = [];
        for await (const page of pages) planned.push(page);
        const count = planned.reduce((n, p) => n + p.doomed.length, 0);
        const bytes = planned.reduce((n, p) => n + p.doomed.reduce((m, o) => m + o.size, 0), 0);
        if (ctx.signal.aborted) throw new InterruptedError("Interrupted while listing; nothing was deleted.");
        if (count === 0) ctx.out.info("Nothing to delete.");
        else {
          const kept = summary.referenced && !input.includeReferenced ? `, keeping ${summary.referenced} referenced` : "";
          const ok = await ctx.confirm(`Delete ${describeTargets({ keys: planned.flatMap((p) => p.doomed.slice(0, 5).map((o) => o.key)), noun: "object", total: count, bytes })} under ${r2.bucket}/${input.prefix} older than ${olderThan}${kept}?`, { yes: false, what: "images cleanup", cancelled: "Cancelled; nothing was deleted." });
          if (ok) await deletePages(planned, deleter, d1, progress, live, ctx);
          else declined = true;
        }
      } else {
        await deletePages(pages, deleter, d1, progress, live, ctx);
      }
      if (input.incompleteUploads && !ctx.signal.aborted && !declined) summary.incompleteUploads = await abortOldUploads(await ctx.r2MultipartUploads(), input.prefix, cutoff, input.dryRun, ctx);
      if (ctx.signal.aborted) outcome = "interrupted";
    } catch (error) {
      failure = error;
      outcome = ctx.signal.aborted ? "interrupted" : "error";
      await deleter.settle();
    }
    // Declined at the prompt: nothing happened, so no summary and no audit line (like a refused run).
    if (declined || failure instanceof CancelledError) throw new CancelledError("Cancelled; nothing was deleted.");
    // The whole job: what earlier runs of it handled, plus this run.
    summary.scanned = base.scanned + live.scanned;
    summary.matched = base.matched + live.matched;
    summary.referenced = base.referenced + live.referenced;
    summary.rowsDeleted = base.rowsDeleted + live.rowsDeleted;
    if (!input.dryRun) {
      summary.deleted = base.deleted + deleter.deleted;
      summary.bytesFreed = base.bytesFreed + deleter.bytesFreed;
      summary.deletedKeys = deletedKeys;
      summary.deletedKeysTruncated = deleter.deleted > deletedKeys.length;
    }
    summary.failedKeys = deleter.errors;
    summary.errors = summary.failedKeys.length;
    summary.requests = deleter.requests;
    summary.seconds = Math.round(performance.now() - started) / 1000;
    summary.interrupted = outcome === "interrupted";
    if (outcome === "ok" && summary.errors) outcome = "error";
    // A completed job needs no checkpoint; a stopped one keeps it for the rerun.
    const completed = !input.dryRun && !declined && !failure && outcome !== "interrupted";
    if (completed) checkpoint.remove();

    // Stopped before it did anything: only the audit line and the error, no summary.
    const showSummary = !(failure instanceof InterruptedError && summary.deleted === 0 && summary.scanned === 0);
    // Failed keys go to stderr in both modes, before the summary: never hidden behind --json.
    if (showSummary) for (const f of summary.failedKeys) ctx.out.errorLine(`could not delete ${f.key}: ${f.code}${f.message ? ` (${f.message})` : ""}`);
    const stopped = outcome === "interrupted" ? new InterruptedError(`Interrupted: ${summary.deleted} object(s) deleted before stopping (the requests in flight finished). Run the same command again to go on.`) : failure;
    const errors: string[] = [];
    if (stopped === failure && failure instanceof CloudflareServiceError && failure.status === 429 && !input.dryRun) errors.push(rerunLine(failure, summary, (await import("../../clients/cloudflare-api.js")).apiRetryAfter));
    else if (!stopped && summary.errors) errors.push(`${summary.errors} object(s) could not be deleted after retries (listed above); run the cleanup again, or check them with 'kanvas images list'.`);
    return {
      data: showSummary ? summary : undefined,
      human: () => printSummary(ctx, summary),
      audit: {
        outcome,
        counts: { scanned: summary.scanned, matched: summary.matched, referenced: summary.referenced, deleted: summary.deleted, bytesFreed: summary.bytesFreed, errors: summary.errors, rowsDeleted: summary.rowsDeleted },
        details: { bucket: r2.bucket, prefix: input.prefix, olderThan: olderThan, cutoff: summary.cutoff, includeReferenced: input.includeReferenced, logFile: logFile ?? null },
      },
      errors,
      exitCode: summary.errors ? ExitCode.unexpected : ExitCode.ok,
      error: stopped,
    };
  },
});

/** Deletes page by page (rows first with --include-referenced); the pages keep coming while batches are in flight. */
async function deletePages(pages: AsyncIterable<PagePlan> | Iterable<PagePlan>, deleter: BatchDeleter, d1: D1Client, progress: StreamProgress, live: CleanupCounts, ctx: Context): Promise<void> {
  for await (const page of pages) {
    if (ctx.signal.aborted) break;
    if (page.referencedDoomed.length) {
      const rows = await deleteAssetRows(d1, page.referencedDoomed);
      live.rowsDeleted += rows;
      page.ticket.counts.rowsDeleted += rows;
    }
    for (const o of page.doomed) await deleter.add(o);
    progress.queued(page.ticket);
  }
  if (ctx.signal.aborted) await deleter.settle();
  else await deleter.finish();
}

/** Cloudflare's 5-minute lockout (or any 429 longer than kanvas waits): when to run again. */
// apiRetryAfter comes with the Cloudflare SDK: passed in, so --help never loads it.
function rerunLine(error: CloudflareServiceError, s: Summary, apiRetryAfter: (e: unknown) => number | undefined): string {
  let waitMs = apiRetryAfter(error) ?? apiRetryAfter(error.cause);
  if (waitMs === undefined) {
    const m = /wait (\d+) s/.exec(error.message);
    waitMs = m ? Number(m[1]) * 1000 : 5 * 60_000;
  }
  const when = new Date(Date.now() + waitMs).toISOString().slice(11, 19);
  return `Stopped at a resumable point (${s.scanned} keys handled, ${s.deleted} deleted): Cloudflare's API is rate limited for this account. Run the same command again after ${when} UTC; it goes on from the checkpoint.`;
}

async function abortOldUploads(uploads: R2MultipartUploads | undefined, prefix: string, cutoff: number, dryRun: boolean, ctx: Context): Promise<{ found: number; aborted: number }> {
  if (!uploads) {
    ctx.out.warn("--incomplete-uploads: the local (Miniflare) bucket cannot list unfinished multipart uploads; skipped.");
    return { found: 0, aborted: 0 };
  }
  let found = 0;
  let aborted = 0;
  for await (const page of uploads.listMultipartUploads(prefix)) {
    for (const u of page) {
      if (u.initiated.getTime() >= cutoff) continue;
      found++;
      if (dryRun || ctx.signal.aborted) continue;
      await uploads.abortMultipartUpload(u.key, u.uploadId);
      aborted++;
    }
  }
  return { found, aborted };
}

/** The human summary (the runner prints it, or the JSON with --json). */
function printSummary(ctx: Context, v: Summary): void {
  // An interrupted run names what it deleted, so nobody has to guess what is gone.
  for (const key of v.interrupted ? (v.deletedKeys ?? []) : []) ctx.out.println(`deleted ${key}`);
  if (v.interrupted && v.deletedKeys && v.deletedKeysTruncated) ctx.out.info(`(only the first ${v.deletedKeys.length} deleted keys are listed here; --log-file records every one)`);
  if (v.dryRun) {
    for (const key of v.keys ?? []) ctx.out.println(key);
    ctx.out.info(`Dry run: ${v.keys?.length ?? 0} object(s) (${formatBytes(v.bytesFreed)}) would be deleted; nothing was changed.`);
  }
  const lines = [
    `bucket       ${v.bucket} (${ctx.target}), prefix ${v.prefix || "(all)"}, older than ${v.olderThan} (before ${v.cutoff})`,
    `scanned      ${v.scanned}`,
    `matched      ${v.matched}`,
    `referenced   ${v.referenced}${v.rowsDeleted ? ` (${v.rowsDeleted} row(s) deleted first)` : " (kept)"}`,
    `deleted      ${v.deleted}${v.dryRun ? " (dry run)" : ""}`,
    `bytes freed  ${formatBytes(v.bytesFreed)}${v.dryRun ? " (would be)" : ""}`,
    `errors       ${v.errors}`,
    ...(v.incompleteUploads ? [`uploads      ${v.incompleteUploads.found} unfinished, ${v.incompleteUploads.aborted} aborted`] : []),
    `seconds      ${v.seconds} (${formatDuration(v.seconds * 1000)})`,
  ];
  for (const l of lines) ctx.out.println(l);
}

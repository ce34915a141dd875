import type { D1Client } from "../../clients/d1.js";
import type { R2Client } from "../../clients/r2.js";
import type { Output } from "../../core/output.js";
import type { Doomed } from "./batch-deleter.js";
import type { CleanupCounts } from "./cleanup-checkpoint.js";
import { InListReferences, RangeReferences, type ReferenceChecker } from "./reference-ranges.js";
import { keepHeapTight } from "./heap-growth.js";
import { detectRangeSupport } from "./reference-schema.js";
import { listStreams, type StreamResume } from "./stream-list.js";
import type { PageTicket, StreamProgress } from "./stream-progress.js";

/** An object to delete, with the listing page it came from (for the checkpoint). */
export interface DoomedObject extends Doomed {
  ticket: PageTicket;
}

/** One listing page, after the age filter and the reference check. */
export interface PagePlan {
  ticket: PageTicket;
  doomed: DoomedObject[];
  /** Referenced keys that go too (--include-referenced): their rows are deleted first. */
  referencedDoomed: string[];
}

// Set when the cleanup's modules load, before the SDKs do: the young generation grows while
// they load, and a flag set later does not shrink it (133 MB vs 173 MB at 1,000,000 objects).
keepHeapTight();

/**
 * Requests in flight per kind, tuned at 40 ms added latency (BENCHMARKS.md, cleanup at scale):
 * List streams, pages in the reference check (bounds D1 requests in flight), DeleteObjects.
 * KANVAS_CLEANUP_IN_FLIGHT="list,check,delete" overrides them, for that tuning only.
 */
const tuned = (process.env.KANVAS_CLEANUP_IN_FLIGHT ?? "").split(",").map(Number);
const pick = (i: number, fallback: number) => (Number.isInteger(tuned[i]) && tuned[i]! > 0 ? tuned[i]! : fallback);
export const LIST_STREAMS = pick(0, 8);
export const PAGES_CHECKED_AT_ONCE = pick(1, 8);
export const DELETES_IN_FLIGHT = pick(2, 8);

/** The range check where the schema allows it, else the IN lists (saying why, once). */
export async function chooseReferenceChecker(d1: D1Client, prefix: string, out: Output): Promise<ReferenceChecker> {
  const support = await detectRangeSupport(d1);
  if (support.ok) return new RangeReferences(d1, { prefix });
  out.warn(`orphan check: ${support.reason}; checking 100 keys per D1 request instead of by key ranges.`);
  return new InListReferences(d1);
}

/**
 * Streams the listing, a page at a time per user prefix, through the age filter and the reference
 * check, several pages at once (the next pages list while these are checked and deleted). Stops
 * taking pages once interrupted.
 */
export async function* planPages(
  r2: R2Client,
  checker: ReferenceChecker,
  opts: { prefix: string; cutoff: number; includeReferenced: boolean; resume: StreamResume; progress: StreamProgress; live: CleanupCounts; signal: AbortSignal },
): AsyncGenerator<PagePlan> {
  const plan = async (page: { stream: string; objects: { key: string; size: number; lastModified: Date }[]; last: boolean }): Promise<PagePlan> => {
    const ticket = opts.progress.open(page.stream, page.objects.at(-1)?.key, page.last);
    const old = page.objects.filter((o) => o.lastModified.getTime() < opts.cutoff);
    const refs = old.length ? await checker.referenced(old.map((o) => o.key)) : new Set<string>();
    const doomed = (opts.includeReferenced ? old : old.filter((o) => !refs.has(o.key))).map((o) => ({ key: o.key, size: o.size, ticket }));
    ticket.counts.scanned = page.objects.length;
    ticket.counts.matched = old.length;
    ticket.counts.referenced = refs.size;
    ticket.pending = doomed.length;
    opts.live.scanned += page.objects.length;
    opts.live.matched += old.length;
    opts.live.referenced += refs.size;
    return { ticket, doomed, referencedDoomed: opts.includeReferenced ? [...refs] : [] };
  };
  yield* mapAhead(listStreams(r2, opts.prefix, { concurrency: LIST_STREAMS, resume: opts.resume }), PAGES_CHECKED_AT_ONCE, plan, opts.signal);
}

/** `fn` over an async source with up to `ahead` items in progress; results in the order they finish. */
async function* mapAhead<T, R>(source: AsyncIterable<T>, ahead: number, fn: (item: T) => Promise<R>, signal: AbortSignal): AsyncGenerator<R> {
  type Done = { kind: "done"; id: number; value?: R; error?: { error: unknown } };
  type Pulled = { kind: "pulled"; result: IteratorResult<T> };
  const it = source[Symbol.asyncIterator]();
  const running = new Map<number, Promise<Done>>();
  let id = 0;
  let exhausted = false;
  let pulling: Promise<Pulled> | undefined;
  try {
    for (;;) {
      if (!exhausted && !signal.aborted && running.size < ahead && !pulling) pulling = it.next().then((result) => ({ kind: "pulled" as const, result }));
      if (!running.size && !pulling) return;
      const next: Pulled | Done = await Promise.race([...(pulling ? [pulling] : []), ...running.values()]);
      if (next.kind === "pulled") {
        pulling = undefined;
        if (next.result.done) exhausted = true;
        else {
          const n = id++;
          running.set(
            n,
            fn(next.result.value).then(
              (value): Done => ({ kind: "done", id: n, value }),
              (error: unknown): Done => ({ kind: "done", id: n, error: { error } }),
            ),
          );
        }
        continue;
      }
      running.delete(next.id);
      if (next.error) throw next.error.error;
      yield next.value as R;
    }
  } finally {
    await Promise.allSettled(running.values());
    await it.return?.(undefined);
  }
}

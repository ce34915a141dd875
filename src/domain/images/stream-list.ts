import type { R2Client, R2ObjectInfo } from "../../clients/r2.js";
import { compareKeys } from "./key-order.js";

/** One listing page of one stream: the objects directly under the prefix (stream ""), or one user prefix. */
export interface StreamPage {
  stream: string;
  objects: R2ObjectInfo[];
  /** The stream's last page: once it is handled, the stream is done. */
  last: boolean;
}

export interface StreamResume {
  /** Per stream, the last key fully handled by an earlier run: listing goes on after it. */
  handled: Record<string, string>;
  /** Streams an earlier run finished. */
  done: string[];
}

/**
 * The listing under `prefix` as streams that can be resumed: one level is listed with delimiter "/"
 * (the app's keys are uploads/<user>/…), then the user prefixes `concurrency` at a time, each in key
 * order from its resume point (StartAfter). Pages of different streams interleave; at most
 * `buffered` pages wait for the consumer, whose pace holds the listings back. Stopping stops them.
 */
export async function* listStreams(r2: R2Client, prefix: string, opts: { concurrency?: number; buffered?: number; resume?: StreamResume } = {}): AsyncGenerator<StreamPage> {
  const concurrency = opts.concurrency ?? 8;
  const buffered = opts.buffered ?? concurrency;
  const handled = opts.resume?.handled ?? {};
  const done = new Set(opts.resume?.done ?? []);
  const prefixes: string[] = [];
  const looseAfter = handled[""];
  // The objects directly under the prefix come with the delimiter listing; it is listed again in full
  // (it is mostly prefixes), skipping what an earlier run handled.
  // Each page goes on at once; an empty page marks the stream's end (no waiting for the next page).
  for await (const page of r2.listShallow(prefix)) {
    const loose = looseAfter === undefined ? page.objects : page.objects.filter((o) => compareKeys(o.key, looseAfter) > 0);
    if (loose.length && !done.has("")) yield { stream: "", objects: loose, last: false };
    prefixes.push(...page.prefixes.filter((p) => !done.has(p)));
  }
  if (!done.has("")) yield { stream: "", objects: [], last: true };

  const buffer: StreamPage[] = [];
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let running = 0;
  let wakeConsumer: (() => void) | undefined;
  const producerWaiters: Array<() => void> = [];
  const notify = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  let next = 0;
  const push = async (page: StreamPage) => {
    buffer.push(page);
    notify();
    while (buffer.length >= buffered && !stopped) await new Promise<void>((r) => producerWaiters.push(r));
  };
  const worker = async () => {
    running++;
    try {
      while (!stopped && !failure && next < prefixes.length) {
        const stream = prefixes[next++]!;
        for await (const objects of r2.list({ prefix: stream, startAfter: handled[stream] })) {
          if (stopped) return;
          await push({ stream, objects, last: false });
        }
        if (!stopped) await push({ stream, objects: [], last: true });
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      running--;
      notify();
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, prefixes.length) }, worker);
  try {
    for (;;) {
      if (buffer.length) {
        const page = buffer.shift()!;
        producerWaiters.splice(0).forEach((r) => r());
        yield page;
        continue;
      }
      if (failure) throw failure.error;
      if (running === 0) break;
      await new Promise<void>((r) => (wakeConsumer = r));
    }
  } finally {
    stopped = true;
    producerWaiters.splice(0).forEach((r) => r());
    await Promise.allSettled(workers);
  }
}

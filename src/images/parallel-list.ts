import type { R2Client, R2ObjectInfo } from "../clients/r2.js";

/**
 * The whole listing under `prefix`, faster than one page after another: one level is listed
 * with delimiter "/" (the app's keys are uploads/<user>/…), then the sub-prefixes are listed
 * `concurrency` at a time. Pages arrive in no particular order; at most `concurrency` pages
 * wait in the buffer (the consumer's pace holds the listings back). Stopping early stops them.
 */
export async function* listParallel(r2: R2Client, prefix: string, concurrency = 4): AsyncGenerator<R2ObjectInfo[]> {
  const prefixes: string[] = [];
  for await (const page of r2.listShallow(prefix)) {
    if (page.objects.length) yield page.objects;
    prefixes.push(...page.prefixes);
  }
  if (prefixes.length <= 1) {
    for (const p of prefixes) yield* r2.list({ prefix: p });
    return;
  }

  const buffer: R2ObjectInfo[][] = [];
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
  const worker = async () => {
    running++;
    try {
      while (!stopped && !failure && next < prefixes.length) {
        const p = prefixes[next++]!;
        for await (const page of r2.list({ prefix: p })) {
          if (stopped) return;
          buffer.push(page);
          notify();
          while (buffer.length >= concurrency && !stopped) await new Promise<void>((r) => producerWaiters.push(r));
        }
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

import { InterruptedError } from "./errors.js";

/**
 * Runs `fn` over `items` with at most `concurrency` in flight. Stops starting new items once one
 * fails or `signal` aborts, waits for those in flight, then rethrows the first failure.
 * Results of the items that finished are kept in `done` (in finishing order) either way.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  opts: { signal?: AbortSignal; done?: R[] } = {},
): Promise<R[]> {
  const done = opts.done ?? [];
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure && !opts.signal?.aborted) {
      const i = next++;
      try {
        const r = await fn(items[i]!, i);
        results[i] = r;
        done.push(r);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** `runPool`, but an abort is an error: InterruptedError once the items in flight have finished. */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = await runPool(items, concurrency, fn, { signal });
  if (signal?.aborted) throw new InterruptedError();
  return results;
}

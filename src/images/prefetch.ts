/**
 * Keeps `ahead` items of an async iterator in flight while the consumer works on the current
 * one: the next ListObjectsV2 page loads while this page's D1 check and deletions run.
 * (An async generator queues overlapping next() calls, so requests stay in order.)
 */
export async function* prefetch<T>(source: AsyncIterable<T>, ahead = 1): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Array<Promise<IteratorResult<T>>> = [];
  const pull = () => {
    const p = it.next();
    p.catch(() => undefined); // rethrown when awaited; never an unhandled rejection if we stop early
    queue.push(p);
  };
  for (let i = 0; i <= ahead; i++) pull();
  for (;;) {
    const r = await queue.shift()!;
    if (r.done) return;
    pull();
    yield r.value;
  }
}

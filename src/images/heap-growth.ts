import { setFlagsFromString } from "node:v8";

/**
 * A cleanup streams millions of listed keys through a small working set (a few pages in flight),
 * but almost every page outlives a young-generation collection (it waits for its reference check
 * and its delete batch), so it is promoted and dies in the old generation. V8 lets the old
 * generation grow to several times its live size before collecting it, so peak RSS grew with the
 * bucket (218 MB at 100,000 objects). Growing the old generation by 20 % of the live size instead
 * keeps the peak near the process's floor at any bucket size, for one more full collection every
 * ~10 MB promoted (measured: no slower; BENCHMARKS.md, cleanup at scale). V8 reads this flag at each
 * collection, so setting it at run time takes effect; it only changes when the heap is collected.
 */
export function keepOldGenerationTight(): void {
  setFlagsFromString("--heap-growing-percent=20");
}

import { setFlagsFromString } from "node:v8";

/**
 * A cleanup streams millions of listed keys through a small working set (a few pages in flight),
 * but almost every page outlives a young-generation collection (it waits for its reference check
 * and its delete batch). Left to its defaults, V8 then grows the young generation to its maximum
 * and lets the old generation grow to several times its live size before collecting it, so peak
 * RSS grew with the bucket (218 MB at 100,000 objects, 181 MB at 1,000,000 after the parsing
 * fixes) although the live heap stays at ~40 MB. Both flags are read by V8 at each collection, so
 * setting them at run time takes effect; they only change when the heap is collected, not what
 * the program does (measured no slower: BENCHMARKS.md, cleanup at scale).
 */
export function keepHeapTight(): void {
  setFlagsFromString("--heap-growing-percent=20");
  // The young generation otherwise doubles its semi-spaces (up to 16 MB each) whenever a
  // collection finds many survivors, which a pipeline of pages in flight always has: over a long
  // run it grew by ~40 MB of RSS that no collection gave back (181 MB at 1,000,000 objects; 133 MB
  // with this). Pages that survive are promoted a little sooner instead, and the line above bounds
  // the old generation they land in.
  setFlagsFromString("--semi-space-growth-factor=1");
}

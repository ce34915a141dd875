import type { KvBulkPair } from "./kv.js";
import { KV_LIMITS } from "./kv-limits.js";

/** JSON overhead per pair beyond key and value (quotes, field names, commas): an upper bound. */
const PAIR_OVERHEAD = 160;

/** The JSON bytes a pair adds to a bulk request body (upper bound). */
export function pairBytes(p: KvBulkPair): number {
  const meta = p.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(p.metadata), "utf8");
  // JSON escaping can grow a value; count its serialised form rather than guess.
  return Buffer.byteLength(JSON.stringify(p.key), "utf8") + Buffer.byteLength(JSON.stringify(p.value), "utf8") + meta + PAIR_OVERHEAD;
}

/** Splits pairs into bulk requests of at most 10,000 pairs and 100 MB each, in order. */
export function chunkPairs(pairs: KvBulkPair[], limits: { pairs: number; bytes: number } = { pairs: KV_LIMITS.bulkWritePairs, bytes: KV_LIMITS.bulkWriteBytes }): KvBulkPair[][] {
  const chunks: KvBulkPair[][] = [];
  let current: KvBulkPair[] = [];
  let bytes = 2;
  for (const p of pairs) {
    const size = pairBytes(p);
    if (current.length && (current.length >= limits.pairs || bytes + size > limits.bytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(p);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

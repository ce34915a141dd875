/** For the help of the rate-limit commands (kept here so --help loads nothing else). */
export const BEST_EFFORT_NOTE =
  "Counters are best-effort: KV is eventually consistent (other locations see a write after up to ~60 s) and takes one write per second per key,\n" +
  "so concurrent hits can read the same count and limits can overshoot under bursts. Use Durable Objects where a hard limit matters.";

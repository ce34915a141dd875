import type { D1Client } from "../../clients/d1.js";
import { compareKeys, prefixEnd } from "./key-order.js";
import { guardAssets, referencedKeys } from "./references.js";

/** Which of a page of listed keys D1 `assets.r2_key` references. */
export interface ReferenceChecker {
  referenced(keys: string[]): Promise<Set<string>>;
  /** D1 requests sent for the check. */
  readonly requests: number;
}

/** The plain check: one `IN (…)` query per 100 keys. The fallback when ranges cannot be trusted. */
export class InListReferences implements ReferenceChecker {
  requests = 0;
  constructor(private readonly d1: D1Client) {}
  async referenced(keys: string[]): Promise<Set<string>> {
    this.requests += Math.ceil(keys.length / 100);
    return keys.length ? referencedKeys(this.d1, keys) : new Set();
  }
}

/** A stretch of the key space whose referenced keys are all known: [from, to] (to undefined: to the end). */
interface Span {
  from: string;
  to: string | undefined;
  toInclusive: boolean;
  rows: Set<string>;
  at: number;
}

export interface RangeOptions {
  /** Only keys under this prefix are ever asked about: it bounds every query. */
  prefix: string;
  /** Rows per query; a full answer covers up to its last row, and the next query goes on from there. */
  rowsPerQuery?: number;
  /** A span older than this is asked again, so a row added meanwhile is seen before its object is deleted. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The check by key ranges. The listing and the assets table are in the same (byte) order, so one
 * `SELECT r2_key … WHERE r2_key >= ? AND r2_key < ? ORDER BY r2_key LIMIT n` tells, for every key from
 * the first asked up to the last row returned, whether it is referenced: it covers many listing pages
 * when few keys are referenced, and n keys when all are. Spans are kept a short while and shared by
 * the listing streams (user prefixes are listed side by side, in order, so one span serves several).
 */
export class RangeReferences implements ReferenceChecker {
  requests = 0;
  private spans: Span[] = [];
  private inFlight: Array<{ from: string; done: Promise<void> }> = [];
  private readonly rowsPerQuery: number;
  private readonly maxAgeMs: number;
  private readonly upper: string | undefined;
  private readonly lower: string;
  private asked = false;
  private readonly now: () => number;

  constructor(
    private readonly d1: D1Client,
    opts: RangeOptions,
  ) {
    this.rowsPerQuery = opts.rowsPerQuery ?? 5000;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.upper = prefixEnd(opts.prefix);
    this.lower = opts.prefix;
    this.now = opts.now ?? Date.now;
  }

  async referenced(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    // Correct in any order; in key order, each span is found once, and the keys it covers are
    // checked against it without another lookup (a page's keys mostly share one span).
    let span: Span | undefined;
    for (const key of [...keys].sort(compareKeys)) {
      if (!span || !covers(span, key)) span = await this.spanFor(key);
      if (span.rows.has(key)) found.add(key);
    }
    return found;
  }

  private async spanFor(key: string): Promise<Span> {
    for (;;) {
      const span = this.covering(key);
      if (span) return span;
      // A query under way from a key at or before this one may cover it: wait for it rather than ask twice.
      const pending = this.inFlight.find((f) => compareKeys(f.from, key) <= 0);
      if (pending) {
        await pending.done;
        continue;
      }
      // The first query starts at the prefix, not at the first key asked: the streams start side by
      // side, and whichever page arrives first, the earlier streams' keys are then covered too.
      const from = this.asked ? key : this.lower;
      this.asked = true;
      await this.fetch(from);
    }
  }

  private covering(key: string): Span | undefined {
    const oldest = this.now() - this.maxAgeMs;
    this.spans = this.spans.filter((s) => s.at >= oldest);
    return this.spans.find((s) => covers(s, key));
  }

  private fetch(from: string): Promise<void> {
    const entry = { from, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        const at = this.now();
        this.requests++;
        const sql = `SELECT r2_key FROM assets WHERE r2_key >= ?${this.upper ? " AND r2_key < ?" : ""} ORDER BY r2_key LIMIT ${this.rowsPerQuery}`;
        const res = await guardAssets(() => this.d1.query<{ r2_key: string }>(sql, this.upper ? [from, this.upper] : [from]));
        const rows = res.results.map((r) => r.r2_key);
        const full = rows.length >= this.rowsPerQuery;
        // A full answer is complete up to its last row; a short one up to the prefix's end.
        const span: Span = full ? { from, to: rows[rows.length - 1]!, toInclusive: true, rows: new Set(rows), at } : { from, to: this.upper, toInclusive: false, rows: new Set(rows), at };
        this.spans.push(span);
        if (this.spans.length > 16) this.spans.shift(); // bounded memory: the oldest span goes
      } finally {
        this.inFlight = this.inFlight.filter((f) => f !== entry);
      }
    })();
    this.inFlight.push(entry);
    return entry.done;
  }
}

function covers(s: Span, key: string): boolean {
  return compareKeys(s.from, key) <= 0 && (s.to === undefined || (s.toInclusive ? compareKeys(key, s.to) <= 0 : compareKeys(key, s.to) < 0));
}

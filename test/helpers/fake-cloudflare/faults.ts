/**
 * Fault injection for the fake API: explicit faults for the next N matching requests, or a
 * seeded random mix. The server asks `next()` once per request and applies what it gets.
 */

export interface FaultMatch {
  method?: string;
  path?: RegExp;
}

export interface FaultSpec {
  /** how many matching requests this fault applies to (default 1) */
  times?: number;
  match?: FaultMatch;
  /** answer with this status; the body is `body` or a Cloudflare error envelope */
  status?: number;
  /** Retry-After header value to send with the status */
  retryAfter?: string;
  /** destroy the socket without answering */
  drop?: boolean;
  /** wait this long before answering (alone: then answer normally) */
  delayMs?: number;
  /** body to send with `status` (objects as JSON, strings as-is) */
  body?: unknown;
  /** run the request as usual, then destroy the socket instead of answering (the outcome is unknown to the client) */
  dropAfter?: boolean;
  /** let this many matching requests through untouched before the fault applies */
  skip?: number;
}

export type RandomKind = "429" | "500" | "502" | "503" | "drop" | "slow";

export interface RandomFaults {
  rate: number;
  seed?: number;
  kinds: RandomKind[];
  slowMs?: number;
  match?: FaultMatch;
}

/** What the server must do with one request. */
export interface FaultAction {
  status?: number;
  retryAfter?: string;
  drop?: boolean;
  delayMs?: number;
  body?: unknown;
  dropAfter?: boolean;
  /** where it came from, for debugging */
  source: "inject" | "random";
}

interface Pending {
  spec: FaultSpec;
  left: number;
  skip: number;
}

export class Faults {
  private pending: Pending[] = [];
  private random: (RandomFaults & { rng: () => number }) | undefined;

  inject(spec: FaultSpec): void {
    this.pending.push({ spec, left: spec.times ?? 1, skip: spec.skip ?? 0 });
  }

  randomly(f: RandomFaults): void {
    if (!(f.rate >= 0 && f.rate <= 1)) throw new Error(`fault rate must be within 0..1, got ${f.rate}`);
    if (f.kinds.length === 0) throw new Error("randomly() needs at least one kind");
    this.random = { ...f, rng: mulberry32(f.seed ?? 1) };
  }

  clear(): void {
    this.pending = [];
    this.random = undefined;
  }

  next(method: string, path: string): FaultAction | undefined {
    const idx = this.pending.findIndex((p) => p.left > 0 && matches(p.spec.match, method, path));
    if (idx >= 0) {
      const p = this.pending[idx]!;
      if (p.skip > 0) {
        p.skip--;
        return undefined;
      }
      p.left--;
      if (p.left === 0) this.pending.splice(idx, 1);
      const { status, retryAfter, drop, delayMs, body, dropAfter } = p.spec;
      return { status, retryAfter, drop, delayMs, body, dropAfter, source: "inject" };
    }
    const r = this.random;
    if (!r || !matches(r.match, method, path)) return undefined;
    if (r.rng() >= r.rate) return undefined;
    const kind = r.kinds[Math.floor(r.rng() * r.kinds.length)]!;
    switch (kind) {
      case "drop":
        return { drop: true, source: "random" };
      case "slow":
        return { delayMs: r.slowMs ?? 2000, source: "random" };
      case "429":
        return { status: 429, retryAfter: "1", source: "random" };
      default:
        return { status: Number(kind), source: "random" };
    }
  }
}

function matches(m: FaultMatch | undefined, method: string, path: string): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path) {
    m.path.lastIndex = 0;
    if (!m.path.test(path)) return false;
  }
  return true;
}

/** Small deterministic PRNG so a seeded fault mix replays identically. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

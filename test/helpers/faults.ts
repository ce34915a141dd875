/**
 * The one fault-injection API of the test house, for the fake Cloudflare API and both S3 fronts
 * (s3-faults.ts, s3-chaos.ts): explicit faults for the next N matching requests, or a seeded
 * random mix. Each server asks `next()` once per request and applies what it gets; on S3 a
 * request is matched by its operation (s3-operation.ts), on the API by method and path.
 *
 *   cf.faults.inject({ match: { path: /\/query$/ }, status: 503, times: 2 });
 *   front.faults.inject({ match: { op: "DeleteObjects" }, status: 503, code: "ServiceUnavailable" });
 *   chaos.faults.inject(faultOfKind("drop", { match: { op: /^UploadPart$/ } }));
 */

export interface FaultMatch {
  method?: string;
  path?: RegExp;
  /** S3 operation ("PutObject", …): equal to a string, or matching a RegExp */
  op?: string | RegExp;
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
  /** S3 only: the error `<Code>` sent with `status` (default: s3ErrorCode(status)) */
  code?: string;
}

export type RandomKind = "429" | "500" | "502" | "503" | "drop" | "slow";

export interface RandomFaults {
  rate: number;
  seed?: number;
  kinds: RandomKind[];
  slowMs?: number;
  /** Retry-After sent with a random 429 (default "1") */
  retryAfter?: string;
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
  code?: string;
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

  /** The fault for one request (`op`: its S3 operation), or undefined to answer it normally. */
  next(method: string, path: string, op?: string): FaultAction | undefined {
    const idx = this.pending.findIndex((p) => p.left > 0 && matches(p.spec.match, method, path, op));
    if (idx >= 0) {
      const p = this.pending[idx]!;
      if (p.skip > 0) {
        p.skip--;
        return undefined;
      }
      p.left--;
      if (p.left === 0) this.pending.splice(idx, 1);
      const { status, retryAfter, drop, delayMs, body, dropAfter, code } = p.spec;
      return { status, retryAfter, drop, delayMs, body, dropAfter, code, source: "inject" };
    }
    const r = this.random;
    if (!r || !matches(r.match, method, path, op)) return undefined;
    if (r.rng() >= r.rate) return undefined;
    const kind = r.kinds[Math.floor(r.rng() * r.kinds.length)]!;
    const { status, retryAfter, drop, delayMs } = faultOfKind(kind, { retryAfter: r.retryAfter ?? "1", delayMs: r.slowMs ?? 2000 });
    return { status, retryAfter, drop, delayMs, source: "random" };
  }
}

/**
 * A fault spec from a short kind: "drop" (socket destroyed), "slow" (wait `delayMs`, then answer
 * normally) or a status ("429" carries `retryAfter` when given).
 */
export function faultOfKind(kind: RandomKind, opts: Omit<FaultSpec, "status" | "drop"> = {}): FaultSpec {
  if (kind === "drop") return { ...opts, delayMs: undefined, retryAfter: undefined, drop: true };
  if (kind === "slow") return { ...opts, retryAfter: undefined };
  const status = Number(kind);
  return { ...opts, delayMs: undefined, status, retryAfter: status === 429 ? opts.retryAfter : undefined };
}

/** The S3 error code an injected status answers with, unless the fault names one. */
export function s3ErrorCode(status: number): string {
  if (status === 429) return "SlowDown";
  if (status === 503) return "ServiceUnavailable";
  return status >= 500 ? "InternalError" : "AccessDenied";
}

function matches(m: FaultMatch | undefined, method: string, path: string, op: string | undefined): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path) {
    m.path.lastIndex = 0;
    if (!m.path.test(path)) return false;
  }
  if (m.op !== undefined) {
    if (op === undefined) return false;
    if (typeof m.op === "string") return m.op === op;
    m.op.lastIndex = 0;
    if (!m.op.test(op)) return false;
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

import { setTimeout as sleep } from "node:timers/promises";
import type { Output } from "../core/output.js";

/** Cloudflare's REST API: 1,200 requests per 5 minutes per user, across all of that user's clients. */
export const API_LIMIT = 1200;
export const API_WINDOW_MS = 5 * 60_000;
export const DEFAULT_RESERVE = 200;

export interface BudgetOptions {
  limit?: number;
  windowMs?: number;
  /** Requests left for other clients (a deploy beside the cleanup): kanvas waits rather than use them. */
  reserve?: number;
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** KANVAS_API_RESERVE=n keeps n requests of each window for other clients (default 200). */
export function reserveFromEnv(env: NodeJS.ProcessEnv): number {
  const n = Number(env.KANVAS_API_RESERVE);
  return env.KANVAS_API_RESERVE !== undefined && Number.isInteger(n) && n >= 0 ? n : DEFAULT_RESERVE;
}

/**
 * One budget for every Cloudflare REST call of a run. Cloudflare's `Ratelimit` / `Ratelimit-Policy`
 * headers say what is left where present; otherwise this run's own requests are counted in a sliding
 * window. When what is left reaches the reserve, the next request waits for the window (one stderr
 * line per wait) instead of tripping the 5-minute lockout that would stop every client of the user.
 */
export class ApiBudget {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly reserve: number;
  private readonly now: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Send times of this run's requests within the window (at most `limit` of them). */
  private sent: number[] = [];
  /** The server's word: `remaining` at `at`, the window resetting at `resetAt`. */
  private server: { remaining: number; at: number; resetAt: number; sentSince: number } | undefined;
  private waiting: Promise<void> | undefined;
  requests = 0;
  waits = 0;

  constructor(
    private readonly out: Output | undefined,
    opts: BudgetOptions = {},
  ) {
    this.limit = opts.limit ?? API_LIMIT;
    this.windowMs = opts.windowMs ?? API_WINDOW_MS;
    this.reserve = opts.reserve ?? DEFAULT_RESERVE;
    this.now = opts.now ?? Date.now;
    this.wait = opts.wait ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  }

  /** Requests this run may still send in the window before touching the reserve's line. */
  remaining(): number {
    const now = this.now();
    while (this.sent.length && this.sent[0]! <= now - this.windowMs) this.sent.shift();
    if (this.server && this.server.resetAt > now) return this.server.remaining - this.server.sentSince;
    return this.limit - this.sent.length;
  }

  /** Before each request: waits while the window is down to the reserve, then counts the request. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.waiting) {
        await this.waiting;
        continue;
      }
      const left = this.remaining();
      if (left > this.reserve) break;
      const ms = Math.max(1000, this.untilRoom());
      this.waits++;
      this.out?.info(`pacing: ${Math.max(0, left)} Cloudflare API requests left in this window; waiting ${Math.ceil(ms / 1000)} s`);
      this.waiting = this.wait(ms, signal).finally(() => {
        this.waiting = undefined;
        // The server's figure was for the window that has now passed.
        if (this.server && this.server.resetAt <= this.now()) this.server = undefined;
      });
    }
    this.requests++;
    this.sent.push(this.now());
    if (this.sent.length > this.limit) this.sent.shift();
    if (this.server) this.server.sentSince++;
  }

  /** After each answer: Cloudflare's own count, where it sends one. */
  observe(headers: Headers): void {
    const parsed = parseRateLimit(headers.get("ratelimit"), headers.get("ratelimit-policy"));
    if (!parsed) return;
    const now = this.now();
    this.server = { remaining: parsed.remaining, at: now, resetAt: now + parsed.resetSeconds * 1000, sentSince: 0 };
  }

  private untilRoom(): number {
    const now = this.now();
    if (this.server && this.server.resetAt > now) return this.server.resetAt - now;
    // Counting ourselves: wait until enough of our own requests leave the window.
    const mustLeave = this.sent.length - (this.limit - this.reserve) ;
    const oldest = this.sent[Math.max(0, mustLeave)] ?? now;
    return oldest + this.windowMs - now;
  }
}

/**
 * `Ratelimit: "default";r=950;t=30` (RFC draft, structured) or `limit=1200, remaining=950, reset=30`
 * (older drafts); the policy header only names the quota and window. undefined when absent or unreadable.
 */
export function parseRateLimit(value: string | null, _policy: string | null): { remaining: number; resetSeconds: number } | undefined {
  if (!value) return undefined;
  const remaining = /(?:^|[;,\s])(?:r|remaining)=(\d+)/i.exec(value)?.[1];
  const reset = /(?:^|[;,\s])(?:t|reset)=(\d+)/i.exec(value)?.[1];
  if (remaining === undefined || reset === undefined) return undefined;
  return { remaining: Number(remaining), resetSeconds: Number(reset) };
}

/** The fetch every SDK request goes through, paced by the budget. */
export function budgetedFetch(inner: typeof fetch, budget: ApiBudget): typeof fetch {
  return async (input, init) => {
    await budget.take(init?.signal ?? undefined);
    const res = await inner(input, init);
    budget.observe(res.headers);
    return res;
  };
}

const budgets = new WeakMap<Output, ApiBudget>();
/**
 * One budget per run (a run has one Output; the CLI runs one per process): every API call of the
 * run shares it, and its pacing lines reach that run's stderr, also when tests run several in-process.
 */
export function processBudget(out: Output, env: NodeJS.ProcessEnv): ApiBudget {
  let budget = budgets.get(out);
  if (!budget) budgets.set(out, (budget = new ApiBudget(out, { reserve: reserveFromEnv(env) })));
  return budget;
}

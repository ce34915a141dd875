import { appendFileSync } from "node:fs";
import { CloudflareServiceError, type Service } from "./errors.js";
import type { Output } from "./output.js";
import { withRetry, type RetryPolicy } from "./retry.js";

export interface CallRecord {
  time: string;
  service: Service;
  operation: string;
  duration_ms: number;
  attempts: number;
  outcome: "ok" | "error";
  status?: number;
  error_code?: number | string;
}

/**
 * Every client call goes through `call`: it applies the retry policy and records service,
 * operation, duration, attempts and outcome (printed with --verbose, appended to --metrics-file).
 */
export class Monitor {
  readonly records: CallRecord[] = [];

  constructor(
    private readonly out: Output,
    private readonly policy: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {}

  async call<T>(
    service: Service,
    operation: string,
    fn: (attempt: number) => Promise<T>,
    opts: { idempotent: boolean; retryAfterMs?: (error: unknown) => number | undefined },
  ): Promise<T> {
    const started = performance.now();
    let attempts = 0;
    const record = (outcome: "ok" | "error", error?: unknown) => {
      const r: CallRecord = {
        time: new Date().toISOString(),
        service,
        operation,
        duration_ms: Math.round(performance.now() - started),
        attempts,
        outcome,
      };
      if (error instanceof CloudflareServiceError) {
        if (error.status !== undefined) r.status = error.status;
        if (error.cfCode !== undefined) r.error_code = error.cfCode;
      }
      this.records.push(r);
    };
    try {
      const result = await withRetry(
        (attempt) => {
          attempts = attempt;
          return fn(attempt);
        },
        {
          idempotent: opts.idempotent,
          policy: this.policy,
          signal: this.signal,
          retryAfterMs: opts.retryAfterMs,
          onRetry: ({ attempt, delayMs, reason }) =>
            this.out.debug(`retry: ${service} ${operation} attempt ${attempt} failed (${reason}); next in ${delayMs} ms`),
        },
      );
      record("ok");
      return result;
    } catch (error) {
      record("error", error);
      throw error;
    }
  }

  /** --verbose: one line per service/operation. */
  printSummary(): void {
    if (!this.records.length) return;
    const groups = new Map<string, { calls: number; attempts: number; errors: number; ms: number }>();
    for (const r of this.records) {
      const key = `${r.service} ${r.operation}`;
      const g = groups.get(key) ?? { calls: 0, attempts: 0, errors: 0, ms: 0 };
      g.calls++;
      g.attempts += r.attempts;
      g.errors += r.outcome === "error" ? 1 : 0;
      g.ms += r.duration_ms;
      groups.set(key, g);
    }
    this.out.debug("calls:");
    for (const [key, g] of groups) {
      this.out.debug(`  ${key}: ${g.calls} call(s), ${g.attempts} attempt(s), ${g.errors} error(s), ${g.ms} ms`);
    }
  }

  /** --metrics-file: one NDJSON line per call, appended. */
  writeMetrics(file: string): void {
    if (!this.records.length) return;
    appendFileSync(file, this.records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
}

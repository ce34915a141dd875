import { appendFileSync } from "node:fs";
import { CloudflareServiceError, InterruptedError, type Service } from "./errors.js";
import type { Output } from "./output.js";
import { gaveUpMessage, inAttempt, DeadlineError, seconds } from "./request-deadline.js";
import { withRetry, type RetryPolicy } from "./retry.js";

/**
 * How long a request in flight at Ctrl-C may still take. A cut write has an unknown outcome, but
 * every multi-statement write kanvas makes is one transaction (D1 batch) or idempotent (deletes),
 * so cutting it leaves nothing half-applied.
 */
export const CUT_GRACE_MS = 1_500;

/** A signal that aborts `ms` after `signal` does (or `ms` from now if it already has). */
function graceAfter(signal: AbortSignal, ms: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = () => (timer = setTimeout(() => controller.abort(signal.reason), ms).unref());
  if (signal.aborted) start();
  else signal.addEventListener("abort", start, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", start);
    },
  };
}

const SERVICE_NAMES: Record<Service, string> = { d1: "D1", r2: "R2", kv: "KV", api: "Cloudflare API" };

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
          // After Ctrl-C the step in flight may finish (a delete batch, a migration) if the endpoint
          // answers within the grace; a hung request is cut then, so the run ends promptly.
          // Requests started after the signal (releasing a lock, aborting an upload) get the same grace.
          if (!this.signal) return fn(attempt);
          const cut = graceAfter(this.signal, CUT_GRACE_MS);
          return inAttempt(cut.signal, () => fn(attempt)).finally(cut.dispose);
        },
        {
          idempotent: opts.idempotent,
          policy: this.policy,
          signal: this.signal,
          retryAfterMs: opts.retryAfterMs,
          onRetry: ({ attempt, delayMs, reason, error }) => {
            // Always one line (stderr): a run that waits must say why.
            const after =
              error instanceof DeadlineError ? `a ${seconds(error.timeoutMs)} timeout`
              : error instanceof CloudflareServiceError && error.status === undefined ? "a failed connection"
              : reason;
            this.out.info(`retrying ${SERVICE_NAMES[service]} ${operation} (${attempt + 1}/${this.policy.maxAttempts}) after ${after}…`);
            this.out.debug(`retry: ${service} ${operation} attempt ${attempt} failed (${reason}); next in ${delayMs} ms`);
          },
        },
      );
      record("ok");
      return result;
    } catch (error) {
      record("error", error);
      if (this.signal?.aborted && error instanceof CloudflareServiceError && error.status === undefined) {
        throw new InterruptedError(`Interrupted: ${SERVICE_NAMES[service]} ${operation} was cut off in flight.`);
      }
      if (error instanceof DeadlineError) {
        const message = gaveUpMessage(`${SERVICE_NAMES[service]} ${operation}`, error, attempts, performance.now() - started);
        throw new CloudflareServiceError(message, { service, outcomeUnknown: true, cause: error });
      }
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

import type { DeleteKeyError, R2Client } from "../../clients/r2.js";
import { AGAIN, retryRounds } from "../../core/poll.js";

/** DeleteObjects takes at most 1000 keys per request (S3 and R2). */
export const DELETE_BATCH = 1000;

export interface Doomed {
  key: string;
  size: number;
}

export interface DeleterOptions {
  /** Requests in flight. */
  inFlight?: number;
  /** Extra rounds for keys a DeleteObjects answer reported as failed. */
  keyRetries?: number;
  retryDelayMs?: number;
  /** Ends the wait between rounds at once (the run's signal). */
  signal?: AbortSignal;
  /** Called for each batch's deleted objects, in the order answers arrive. */
  onDeleted?: (objects: Doomed[]) => void;
}

/**
 * Deletes objects in batches of 1000 with a few requests in flight. Per-key failures are
 * collected and retried in later rounds, then reported (never dropped). A whole request that
 * fails (after the monitor's retries) stops the deleter: the error is thrown from add/finish.
 */
export class BatchDeleter {
  deleted = 0;
  bytesFreed = 0;
  requests = 0;
  private buffer: Doomed[] = [];
  private inFlight = new Set<Promise<void>>();
  private failedKeys = new Map<string, { object: Doomed; error: DeleteKeyError }>();
  private fatal: { error: unknown } | undefined;
  private readonly max: number;

  constructor(
    private readonly r2: R2Client,
    private readonly opts: DeleterOptions = {},
  ) {
    this.max = Math.max(1, opts.inFlight ?? 4);
  }

  /** Queues one object; resolves once there is room (back-pressure for the listing). */
  async add(object: Doomed): Promise<void> {
    this.throwIfFatal();
    this.buffer.push(object);
    if (this.buffer.length >= DELETE_BATCH) await this.send(this.buffer.splice(0, DELETE_BATCH));
  }

  /** Sends what is queued, waits for every request, then retries failed keys. */
  async finish(): Promise<void> {
    while (this.buffer.length) await this.send(this.buffer.splice(0, DELETE_BATCH));
    await this.drain();
    if (!this.failedKeys.size) return;
    // Keys still failing after the rounds (or when interrupted between them) stay in `errors`.
    await retryRounds(
      async () => {
        const retry = [...this.failedKeys.values()].map((f) => f.object);
        this.failedKeys.clear();
        for (let i = 0; i < retry.length; i += DELETE_BATCH) await this.send(retry.slice(i, i + DELETE_BATCH));
        await this.drain();
        return this.failedKeys.size ? AGAIN : true;
      },
      { rounds: this.opts.keyRetries ?? 2, delayMs: (n) => (this.opts.retryDelayMs ?? 250) * n, signal: this.opts.signal },
    );
  }

  /** Interrupted: drops what is queued but not sent, lets the requests in flight finish. */
  async settle(): Promise<void> {
    this.buffer = [];
    await Promise.allSettled([...this.inFlight]);
  }

  get errors(): DeleteKeyError[] {
    return [...this.failedKeys.values()].map((f) => f.error);
  }

  private async send(batch: Doomed[]): Promise<void> {
    while (this.inFlight.size >= this.max) await Promise.race(this.inFlight);
    this.throwIfFatal();
    const p = this.deleteBatch(batch).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async deleteBatch(batch: Doomed[]): Promise<void> {
    try {
      this.requests++;
      const res = await this.r2.deleteKeys(batch.map((o) => o.key));
      const byKey = new Map(batch.map((o) => [o.key, o]));
      const gone: Doomed[] = [];
      for (const key of res.deleted) {
        const o = byKey.get(key);
        if (!o) continue;
        gone.push(o);
        this.deleted++;
        this.bytesFreed += o.size;
      }
      for (const e of res.errors) {
        const o = byKey.get(e.key);
        if (o) this.failedKeys.set(e.key, { object: o, error: e });
      }
      if (gone.length) this.opts.onDeleted?.(gone);
    } catch (error) {
      this.fatal ??= { error };
    }
  }

  private async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.throwIfFatal();
  }

  private throwIfFatal(): void {
    if (this.fatal) throw this.fatal.error;
  }
}

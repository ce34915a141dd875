import { describe, expect, it } from "vitest";
import type { D1Client, D1Result, D1Statement } from "../src/clients/d1.js";
import { CloudflareServiceError, InterruptedError } from "../src/core/errors.js";
import { acquireLock, type LockPlace } from "../src/domain/lock/lock.js";

// The lock module's waiting, with a scripted D1 (the SQL itself is covered against Miniflare and
// the fake Cloudflare API by lock-takeover, db-migrate and db-remote): a lost answer is sent again
// after a pause (it used to be re-sent at once, in a hot loop), and Ctrl-C ends a wait at once.

const PLACE: LockPlace = { what: "test", table: "kanvas_locks", keyColumn: "name", key: "test", ddl: "CREATE TABLE IF NOT EXISTS kanvas_locks (x)" };
const result = (rows: unknown[] = []): D1Result => ({ results: rows as Record<string, unknown>[], meta: {} }) as D1Result;

/** A D1 whose batch answers come from `answer` (called with the batch's statements), timing each call. */
function scriptedD1(answer: (statements: D1Statement[], call: number) => D1Result[]): D1Client & { calls: number[] } {
  const calls: number[] = [];
  return {
    target: "remote",
    calls,
    check: async () => "",
    query: async () => result(),
    raw: async () => {
      throw new Error("not used");
    },
    batch: async (statements) => {
      calls.push(performance.now());
      return answer(statements, calls.length);
    },
  } as D1Client & { calls: number[] };
}

const base = { ttlMs: 60_000, now: Date.now, onTakeOver: () => undefined, held: () => new Error("held") };

describe("acquireLock", () => {
  it("a lost answer is sent again after a pause, not at once", async () => {
    const d1 = scriptedD1((statements, call) => {
      if (call === 1) throw new CloudflareServiceError("connection dropped", { service: "d1", outcomeUnknown: true });
      const holder = statements[1]!.params![1];
      return [result(), result([{ holder }]), result([{ holder, acquired_at: 1, expires_at: 2 }])];
    });
    const lock = await acquireLock(d1, PLACE, { ...base, timeoutMs: 120_000, signal: new AbortController().signal });
    expect(lock.holder).toMatch(/^[^:]+:\d+:[0-9a-f]{6}$/);
    expect(d1.calls).toHaveLength(2);
    expect(d1.calls[1]! - d1.calls[0]!).toBeGreaterThanOrEqual(450);
  });

  it("out of time on lost answers alone: the connection error, not 'held by another run'", async () => {
    const lost = new CloudflareServiceError("connection dropped", { service: "d1", outcomeUnknown: true });
    const d1 = scriptedD1(() => {
      throw lost;
    });
    await expect(acquireLock(d1, PLACE, { ...base, timeoutMs: 600, signal: new AbortController().signal })).rejects.toBe(lost);
    expect(d1.calls.length).toBeGreaterThanOrEqual(2);
  });

  it("Ctrl-C while another run holds the lock ends the wait at once (exit 130), nothing changed", async () => {
    const ac = new AbortController();
    const waits: unknown[] = [];
    const d1 = scriptedD1(() => [result(), result(), result([{ holder: "ci-job:1:abc kanvas db migrate", acquired_at: 1, expires_at: Date.now() + 60_000 }])]);
    const started = performance.now();
    const taking = acquireLock(d1, PLACE, {
      ...base,
      timeoutMs: 600_000,
      signal: ac.signal,
      onWait: (row) => {
        waits.push(row?.holder);
        ac.abort();
      },
    });
    await expect(taking).rejects.toBeInstanceOf(InterruptedError);
    await expect(taking).rejects.toThrow("Interrupted while waiting for the test lock; nothing was changed.");
    expect(waits).toEqual(["ci-job:1:abc kanvas db migrate"]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

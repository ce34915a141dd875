import { describe, expect, it } from "vitest";
import { AGAIN, pause, poll, retryRounds } from "../src/core/poll.js";

// The shared waiting loops: a signal ends any wait at once (Ctrl-C is never stuck behind a
// backoff), and rounds and polls do wait between tries (no hot loop against a service).

const interrupted = () => new Error("interrupted");
const timedOut = (waited: number) => new Error(`timed out after ${Math.round(waited)} ms`);

describe("pause", () => {
  it("an abort ends a long wait at once", async () => {
    const ac = new AbortController();
    const started = performance.now();
    const waiting = pause(600_000, ac.signal);
    setImmediate(() => ac.abort());
    expect(await waiting).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("an already aborted signal does not wait at all", async () => {
    expect(await pause(600_000, AbortSignal.abort())).toBe(false);
  });
});

describe("retryRounds", () => {
  it("waits the given delay before each later round, and stops at the first answer", async () => {
    const at: number[] = [];
    const started = performance.now();
    const answer = await retryRounds(
      async (n) => {
        at.push(performance.now() - started);
        return n < 3 ? AGAIN : `done in round ${n}`;
      },
      { rounds: 5, delayMs: (n) => (n === 1 ? 0 : 40) },
    );
    expect(answer).toBe("done in round 3");
    expect(at).toHaveLength(3);
    // Each later round came at least its delay after the one before (timers never fire early).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(39);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(39);
  });

  it("answers AGAIN when the rounds run out", async () => {
    let rounds = 0;
    const answer = await retryRounds(async () => (rounds++, AGAIN), { rounds: 3, delayMs: () => 1 });
    expect(answer).toBe(AGAIN);
    expect(rounds).toBe(3);
  });

  it("an abort during the wait ends the rounds at once, without another round", async () => {
    const ac = new AbortController();
    let rounds = 0;
    const started = performance.now();
    const answer = await retryRounds(
      async () => {
        rounds++;
        setImmediate(() => ac.abort());
        return AGAIN;
      },
      { rounds: 5, delayMs: (n) => (n === 1 ? 0 : 600_000), signal: ac.signal },
    );
    expect(answer).toBe(AGAIN);
    expect(rounds).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("a round due at once still runs after an abort: the clean-up after Ctrl-C (a lock release) gets sent", async () => {
    const answer = await retryRounds(async (n) => `sent in round ${n}`, { rounds: 3, delayMs: () => 0, signal: AbortSignal.abort() });
    expect(answer).toBe("sent in round 1");
  });
});

describe("poll", () => {
  it("asks again after the interval until an answer comes", async () => {
    const at: number[] = [];
    const started = performance.now();
    const waits: number[] = [];
    const answer = await poll(
      async (n) => {
        at.push(performance.now() - started);
        return n === 3 ? "ready" : undefined;
      },
      { intervalMs: 30, timeoutMs: 120_000, signal: new AbortController().signal, interrupted, timedOut, onWait: (n) => waits.push(n) },
    );
    expect(answer).toBe("ready");
    expect(waits).toEqual([1, 2]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(29);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(29);
  });

  it("gives up with the caller's error once the timeout has passed", async () => {
    let checks = 0;
    await expect(
      poll(async () => (checks++, undefined), { intervalMs: 20, timeoutMs: 50, signal: new AbortController().signal, interrupted, timedOut }),
    ).rejects.toThrow(/^timed out after \d+ ms$/);
    expect(checks).toBeGreaterThanOrEqual(2);
  });

  it("says what it waits for even when the first check alone outlasted the timeout", async () => {
    // A slow link (or a loaded machine): the first lock attempt takes longer than --lock-timeout.
    const waits: number[] = [];
    await expect(
      poll(async () => (await new Promise((r) => setTimeout(r, 40)), undefined), { intervalMs: 20, timeoutMs: 10, signal: new AbortController().signal, interrupted, timedOut, onWait: (n) => waits.push(n) }),
    ).rejects.toThrow(/^timed out after \d+ ms$/);
    expect(waits).toEqual([1]);
  });

  it("an abort ends the wait at once with the caller's interrupted error", async () => {
    const ac = new AbortController();
    const started = performance.now();
    const waiting = poll(async () => undefined, { intervalMs: 600_000, timeoutMs: 600_000, signal: ac.signal, interrupted, timedOut });
    setImmediate(() => ac.abort());
    await expect(waiting).rejects.toThrow("interrupted");
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

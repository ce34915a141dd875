import { describe, expect, it } from "vitest";
import { ApiBudget, parseRateLimit, reserveFromEnv } from "../src/clients/api-budget.js";
import type { Output } from "../src/core/output.js";

function rig(opts: { limit?: number; windowMs?: number; reserve?: number }) {
  let now = 0;
  const lines: string[] = [];
  const waits: number[] = [];
  const out = { info: (l: string) => lines.push(l) } as unknown as Output;
  const budget = new ApiBudget(out, {
    ...opts,
    now: () => now,
    wait: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { budget, lines, waits, advance: (ms: number) => (now += ms) };
}

describe("API budget", () => {
  it("counts its own requests in a sliding window and waits at the reserve, with one line", async () => {
    const r = rig({ limit: 10, windowMs: 60_000, reserve: 3 });
    for (let i = 0; i < 7; i++) {
      await r.budget.take();
      r.advance(1000);
    }
    expect(r.waits).toEqual([]);
    await r.budget.take();
    expect(r.lines).toEqual(["pacing: 3 Cloudflare API requests left in this window; waiting 53 s"]);
    expect(r.waits).toEqual([53_000]); // until the first request leaves the window
    expect(r.budget.requests).toBe(8);
  });

  it("believes Cloudflare's Ratelimit header where there is one", async () => {
    const r = rig({ reserve: 200 });
    await r.budget.take();
    r.budget.observe(new Headers({ ratelimit: '"default";r=201;t=42', "ratelimit-policy": '"default";q=1200;w=300' }));
    await r.budget.take(); // 201 left: one more
    expect(r.waits).toEqual([]);
    await r.budget.take(); // 200 left: the reserve
    expect(r.lines).toEqual(["pacing: 200 Cloudflare API requests left in this window; waiting 42 s"]);
    expect(r.waits).toEqual([42_000]);
  });

  it("several callers waiting share one wait and one line", async () => {
    const r = rig({ limit: 5, windowMs: 10_000, reserve: 2 });
    for (let i = 0; i < 3; i++) await r.budget.take();
    await Promise.all([r.budget.take(), r.budget.take(), r.budget.take()]);
    expect(r.lines).toHaveLength(1);
  });

  it("reads both header forms; KANVAS_API_RESERVE sets the reserve", () => {
    expect(parseRateLimit('"default";r=50;t=30', null)).toEqual({ remaining: 50, resetSeconds: 30 });
    expect(parseRateLimit("limit=1200, remaining=950, reset=12", null)).toEqual({ remaining: 950, resetSeconds: 12 });
    expect(parseRateLimit(null, null)).toBeUndefined();
    expect(reserveFromEnv({ KANVAS_API_RESERVE: "50" })).toBe(50);
    expect(reserveFromEnv({ KANVAS_API_RESERVE: "x" })).toBe(200);
    expect(reserveFromEnv({})).toBe(200);
  });
});

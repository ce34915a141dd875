import { describe, expect, it } from "vitest";
import { errorLine, remoteTarget, useFakeCloudflare, type FlagsTarget } from "./helpers/flags-targets.js";

const getFake = useFakeCloudflare();

const doc = (rollout: number, by = "ops") =>
  JSON.stringify({ version: 1, flags: { beta: { enabled: true, rollout, allow: [], deny: [], updatedAt: "2026-12-01T10:00:00.000Z", updatedBy: by } } });

/** Resolves once `cond` holds (checked as the fake logs requests), with a generous ceiling. */
async function until(cond: () => boolean, what: string, ceilingMs = 120_000) {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > ceilingMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("flags --remote: the re-read after writing (KV has no compare-and-swap)", { timeout: 300_000 }, () => {
  const reads = () => getFake().requests.filter((q) => q.method === "GET" && /\/values\/flags$/.test(q.path)).length;

  /** Runs `flags rollout beta 30`; while its read-back is held by the fake, `meanwhile` changes the stored value. */
  async function withChangeDuringReadBack(meanwhile: (t: FlagsTarget) => Promise<void>) {
    const fake = getFake();
    const t = remoteTarget(fake);
    await t.plant(doc(10));
    // The first GET is kanvas's read; the second, its read-back after the PUT, waits at the fake until we are done.
    fake.faults.inject({ match: { method: "GET", path: /\/values\/flags$/ }, skip: 1, delayMs: 5_000 });
    const run = t.run(["flags", "rollout", "beta", "30", "--yes", "--json"]);
    await until(() => reads() === 2, "the read-back");
    await meanwhile(t);
    return { t, r: await run };
  }

  it("someone else's write right after kanvas's: the result is printed, then one error line, exit 5", async () => {
    const { t, r } = await withChangeDuringReadBack((other) => other.plant(doc(75, "someone-else")));
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: true, verified: "conflict", changes: [{ flag: "beta", fields: [{ field: "rollout", before: 10, after: 30 }] }] });
    expect(errorLine(r)).toContain("changed again right after kanvas wrote it: someone else wrote flags at the same moment (KV has no compare-and-swap)");
    expect(t.audit().map((a) => [a.command, a.outcome, a.details.verified])).toEqual([["flags rollout", "ok", "conflict"]]);
  });

  it("a read-back that still shows the old document is a warning (eventual consistency), exit 0", async () => {
    const { r } = await withChangeDuringReadBack((other) => other.plant(doc(10)));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: true, verified: "stale" });
    expect(r.stderr).toContain("warning: reading KV key \"flags\" in KANVAS_CACHE (remote) back still gave the old document");
    expect(r.stderr).not.toContain("error:");
  });

  it("says how long a change takes to spread, and never shows the token", async () => {
    const fake = getFake();
    const t = remoteTarget(fake);
    const r = await t.run(["flags", "enable", "beta", "--create", "--yes", "--verbose"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("every location sees it within about 60 s");
    expect(r.stdout + r.stderr).not.toContain(fake.token);
    // One read, one write, one read-back: the whole document each time.
    expect(fake.requests.map((q) => `${q.method} ${q.path.replace(/^.*\/storage\/kv\/namespaces\/[^/]+/, "")}`)).toEqual(["GET /values/flags", "PUT /values/flags", "GET /values/flags"]);
  });

  it("rides out a 429 on the read and a 503 on the write (whole-document writes are safe to repeat)", async () => {
    const fake = getFake();
    const t = remoteTarget(fake);
    await t.plant(doc(10));
    fake.faults.inject({ status: 429, retryAfter: "0", match: { method: "GET", path: /\/values\/flags$/ } });
    fake.faults.inject({ status: 503, match: { method: "PUT", path: /\/values\/flags$/ } });
    const r = await t.run(["flags", "rollout", "beta", "30", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: true, verified: "ok" });
    expect(JSON.parse((await t.stored())!).flags.beta.rollout).toBe(30);
    expect(fake.requests.map((q) => `${q.method} ${q.status}`)).toEqual(["GET 429", "GET 200", "PUT 503", "PUT 200", "GET 200"]);
  });
});

/**
 * Issue 6 §1 — the fault suite. Every command that talks to a remote runs against the fake Cloudflare
 * API and s3rver (behind the s3-faults front and a chaos proxy) with injected faults: 429 + Retry-After,
 * 500/502/503, dropped connections, slow answers, a persistent outage, and a seeded 20% mix. Each run
 * must either complete or fail with exactly one `error:` line (no stack), and the invariants hold after
 * every run, whatever its outcome.
 * This file: the D1 and KV commands (and the migration lock); reliability-faults-images.test.ts: images.
 */
import { describe, expect, it } from "vitest";
import { rigProject } from "./helpers/reliability-rig.js";
import { d1, EXTRA_MIGRATIONS, kanvas, rig, tally, useFaultRig } from "./helpers/fault-suite/rig.js";
import { apiScenarios } from "./helpers/fault-suite/scenarios-api.js";
import { describeFaultSuite } from "./helpers/fault-suite/suite.js";

useFaultRig("reliability-faults");

describe("db migrate: the lock survives no fault", () => {
  // The release (an idempotent DELETE … WHERE holder = me) goes through the retry policy, so one
  // transient 503 does not leave a lock that makes the next deploy wait for 10 minutes.
  it("one 503 on the lock release is retried; the lock is gone after a successful run", async () => {
    const p = rigProject(rig, { files: EXTRA_MIGRATIONS });
    // /query calls: read state, take the lock (+read), three migrations, release → the 6th is the release.
    rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, skip: 5, times: 1, status: 503 });
    const r = await kanvas(p, ["db", "migrate", "--remote"]);
    rig.cf.faults.clear();
    tally.runs++;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/could not release the migration lock/);
    expect(d1(p, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);
  });

  it("(the same run today: exit 0, all applied once, and the warning names the holder and --force-unlock)", async () => {
    const p = rigProject(rig, { files: EXTRA_MIGRATIONS });
    rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, skip: 5, times: 1, status: 503 });
    const r = await kanvas(p, ["db", "migrate", "--remote"]);
    rig.cf.faults.clear();
    tally.runs++;
    expect(r.code, r.stderr).toBe(0);
    expect(d1(p, "SELECT name FROM d1_migrations ORDER BY id").map((x) => x.name)).toEqual(["0000_kanvas_schema.sql", "0001_t1.sql", "0002_t2.sql"]);
    const locks = d1(p, "SELECT holder FROM kanvas_migrations_lock");
    if (locks.length) expect(r.stderr).toContain(`could not release the migration lock (${String(locks[0]!.holder)})`);
    if (locks.length) expect(r.stderr).toContain("--force-unlock");
  });
});

describe("fault suite: every remote command under injected faults", () => {
  describeFaultSuite(apiScenarios);
});

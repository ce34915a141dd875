/**
 * The fault suite (issue 6 §1): each scenario under every recoverable fault, a Retry-After of 1 s,
 * a persistent outage and seeded 20% mixes. Each run must complete or fail with exactly one
 * `error:` line (no stack), and the scenario's invariants hold after every run.
 */
import { describe, expect, it } from "vitest";
import type { FaultSpec } from "../faults.js";
import { expectOneLineError } from "../reliability-rig.js";
import type { RunResult } from "../run-kanvas.js";
import type { ChaosKind } from "../s3-chaos.js";
import { kanvas, rig, tally, type Scenario } from "./rig.js";

/** Recoverable faults: the run must succeed after retries. */
export const API_FAULTS: Array<[string, FaultSpec]> = [
  ["429 + Retry-After", { times: 2, status: 429, retryAfter: "0" }],
  ["500", { times: 2, status: 500 }],
  ["502", { times: 2, status: 502 }],
  ["503", { times: 2, status: 503 }],
  ["dropped connection", { times: 2, drop: true }],
  ["slow answers", { times: 3, delayMs: 400 }],
];
export const S3_FAULTS: Array<[string, ChaosKind]> = [
  ["429 + Retry-After", "429"],
  ["500", "500"],
  ["502", "502"],
  ["503", "503"],
  ["dropped connection", "drop"],
  ["slow answers", "slow"],
];
export const MIX_SEEDS = [11, 22, 33];

let runNo = 0;
export async function faultRun(s: Scenario, label: string, arm: () => void, env: Record<string, string> = {}): Promise<RunResult> {
  const n = ++runNo;
  const { p, args, check } = await s.setup(n);
  arm();
  let r: RunResult;
  try {
    r = await kanvas(p, args, env);
  } finally {
    rig.cf.faults.clear();
    rig.chaos!.clear();
  }
  tally.runs++;
  const o = (tally.outcomes[`${s.name}`] ??= { ok: 0, failed: 0 });
  if (r.code === 0) o.ok++;
  else {
    o.failed++;
    expectOneLineError(r, `${s.name} under ${label}`);
  }
  expect(r.stderr, `${s.name} under ${label}`).not.toMatch(/\n\s+at /);
  await check(r);
  return r;
}

/** Every fault case for each scenario. */
export function describeFaultSuite(scenarios: Scenario[]): void {
  for (const s of scenarios) {
    describe(s.name, () => {
      // Recoverable faults on the side the command mostly talks to: the run completes.
      const kinds = s.side === "api" ? API_FAULTS.map(([l]) => l) : S3_FAULTS.map(([l]) => l);
      for (const [i, label] of kinds.entries()) {
        const arm = () => {
          if (s.side === "api") rig.cf.faults.inject(API_FAULTS[i]![1]);
          else rig.chaos!.inject({ kind: S3_FAULTS[i]![1], times: 2, retryAfter: "0", delayMs: 400 });
        };
        if (s.mayFail?.includes(label)) {
          it(`${label}: fails cleanly (an unclear write is not re-sent) or completes`, async () => {
            await faultRun(s, label, arm);
          });
        } else {
          (s.knownBugs?.includes(label) ? it.fails : it)(`recovers from ${label}`, async () => {
            const r = await faultRun(s, label, arm);
            expect(r.code, `${s.name} under ${label}\n${r.stderr}`).toBe(0);
          });
        }
      }

      it("a Retry-After of 1 s is honoured", async () => {
        const started = Date.now();
        const r = await faultRun(s, "429 Retry-After: 1", () => {
          if (s.side === "api") rig.cf.faults.inject({ times: 1, status: 429, retryAfter: "1" });
          else rig.chaos!.inject({ kind: "429", times: 1, retryAfter: "1" });
        });
        expect(r.code, r.stderr).toBe(0);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      });

      for (const status of [500, 503] as const) {
        it(`a persistent ${status} fails with one clear line, state intact`, async () => {
          const r = await faultRun(
            s,
            `persistent ${status}`,
            () => {
              if (s.side === "api") rig.cf.faults.inject({ times: 1000, status });
              else rig.chaos!.inject({ kind: String(status) as ChaosKind, times: 1000 });
            },
            { KANVAS_MAX_RETRIES: "1" },
          );
          expect(r.code).not.toBe(0);
          expectOneLineError(r, `${s.name} persistent ${status}`);
        });
      }

      // After the retries, both sides say that retrying later may work, and never paste the edge's HTML page.
      it("after the retries, the error line says to retry and holds no HTML", async () => {
        for (const status of [500, 502] as const) {
          const r = await faultRun(
            s,
            `persistent ${status} (message)`,
            () => {
              if (s.side === "api") rig.cf.faults.inject({ times: 1000, status });
              else rig.chaos!.inject({ kind: String(status) as ChaosKind, times: 1000 });
            },
            { KANVAS_MAX_RETRIES: "0" },
          );
          expectOneLineError(r, `${s.name} persistent ${status}`, { retryHint: true });
          expect(r.stderr).not.toMatch(/<html|<\/body>/i);
        }
      });

      for (const seed of MIX_SEEDS) {
        it(`seeded 20% mix (seed ${seed}) on the API and S3: completes or fails cleanly`, async () => {
          const kindsAll: ChaosKind[] = ["429", "500", "502", "503", "drop", "slow"];
          await faultRun(s, `20% mix seed ${seed}`, () => {
            rig.cf.faults.randomly({ rate: 0.2, seed, kinds: kindsAll, slowMs: 200 });
            rig.chaos!.randomly({ rate: 0.2, seed, kinds: kindsAll, slowMs: 200 });
          });
        });
      }
    });
  }
}

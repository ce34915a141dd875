import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { readAuditLog, type AuditLine } from "./audit-log.js";
import { startFakeCloudflare, type FakeCloudflare } from "./fake-cloudflare/index.js";
import { tempProject, type TempProject } from "./project.js";
import { wranglerToml } from "./wrangler-config.js";
import { runKanvas, type RunResult } from "./run-kanvas.js";

/**
 * One flags scenario, two targets: the local Miniflare state, or the fake Cloudflare API. `stored()`
 * reads the KV value without going through kanvas's flags code (`cache get --raw` locally, the fake's
 * store remotely), so tests check what the app would read.
 */
export interface FlagsTarget {
  name: "local" | "remote";
  project: TempProject;
  run(args: string[], opts?: { env?: Record<string, string>; stdin?: string }): Promise<RunResult>;
  /** The same, without --local/--remote (what someone who forgot the flag runs). */
  runBare(args: string[], opts?: { env?: Record<string, string> }): Promise<RunResult>;
  stored(key?: string): Promise<string | undefined>;
  /** Writes a raw value at the key behind kanvas's back (another person, a hand edit). */
  plant(text: string, key?: string): Promise<void>;
  audit(): AuditLine[];
}

/** Call at the top of a describe: starts the fake API for the file and checks it saw only valid traffic. */
export function useFakeCloudflare(): () => FakeCloudflare {
  let fake: FakeCloudflare;
  beforeAll(async () => {
    fake = await startFakeCloudflare();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.faults.clear();
    return () => {
      expect(fake.unmatched).toEqual([]);
      expect(fake.schemaErrors).toEqual([]);
      expect(fake.internalErrors).toEqual([]);
    };
  });
  return () => fake;
}

function auditOf(project: TempProject): AuditLine[] {
  return readAuditLog(project.file(".wrangler/kanvas/audit.ndjson"));
}

export function localTarget(wranglerExtra = ""): FlagsTarget {
  const project = tempProject({ wrangler: wranglerToml({ extra: wranglerExtra }), migrations: false });
  const run = (args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) => runKanvas(args, { cwd: project.dir, env: opts.env, stdin: opts.stdin });
  return {
    name: "local",
    project,
    run,
    runBare: run,
    async stored(key = "flags") {
      const r = await run(["cache", "get", key, "--raw"]);
      if (r.code === 4) return undefined;
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    },
    async plant(text, key = "flags") {
      const r = await run(["cache", "put", key], { stdin: text });
      expect(r.code, r.stderr).toBe(0);
    },
    audit: () => auditOf(project),
  };
}

export function remoteTarget(fake: FakeCloudflare, wranglerExtra = ""): FlagsTarget {
  const nsId = fake.kv.createNamespace(`kanvas-flags-${Math.random()}`).id;
  const project = tempProject({ wrangler: wranglerToml({ kv: { id: nsId }, extra: wranglerExtra }), migrations: false });
  const env = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "10" };
  return {
    name: "remote",
    project,
    run: (args, opts = {}) => runKanvas([...args, "--remote"], { cwd: project.dir, env: { ...env, ...opts.env }, stdin: opts.stdin }),
    runBare: (args, opts = {}) => runKanvas(args, { cwd: project.dir, env: { ...env, ...opts.env } }),
    async stored(key = "flags") {
      const e = fake.kv.get(nsId, key);
      return e && new TextDecoder().decode(e.value);
    },
    async plant(text, key = "flags") {
      fake.kv.put(nsId, key, text);
    },
    audit: () => auditOf(project),
  };
}

/** The one `error:` line of a refused run (and no stack trace). */
export function errorLine(r: RunResult): string {
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signalGroup } from "./helpers/process-group.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

// Every request has a deadline, and Ctrl-C cuts a hung one: against a loopback server that accepts
// connections and never answers (a proxy or load balancer in trouble), for D1 and KV through
// CLOUDFLARE_BASE_URL and for R2 through R2_ENDPOINT.

let silent: net.Server;
let port: number;
const sockets = new Set<net.Socket>();
let connections = 0;
const connectionWaiters = new Set<() => void>();

beforeAll(async () => {
  silent = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    for (const w of connectionWaiters) w();
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** Resolves at the next connection the silent server accepts (an event, not a sleep). */
function nextConnection(): Promise<void> {
  const seen = connections;
  return new Promise((resolve, reject) => {
    const ceiling = setTimeout(() => reject(new Error("no connection within 120 s")), 120_000);
    const check = () => {
      if (connections > seen) {
        clearTimeout(ceiling);
        connectionWaiters.delete(check);
        resolve();
      }
    };
    connectionWaiters.add(check);
  });
}

function project() {
  const p = tempProject({
    migrations: false,
    wrangler: wranglerToml({
      compatibilityDate: null,
      accountId: "0123456789abcdef0123456789abcdef",
      d1: { databaseId: "11111111-2222-3333-4444-555555555555", migrationsDir: null },
      kv: { id: "abcdef0123456789abcdef0123456789" },
      rateLimits: false,
    }),
  });
  const env = {
    CLOUDFLARE_API_TOKEN: "test-token-not-real",
    CLOUDFLARE_BASE_URL: `http://127.0.0.1:${port}/client/v4`,
    R2_ENDPOINT: `http://127.0.0.1:${port}`,
    R2_ACCESS_KEY_ID: "test-key-id",
    R2_SECRET_ACCESS_KEY: "test-secret",
    KANVAS_RETRY_BASE_MS: "1",
  };
  return { ...p, env };
}

const TARGET = "Target: remote — Cloudflare account 0123456789abcdef0123456789abcdef";

describe("a silent endpoint: each attempt times out, is retried with a line, and the run gives up naming it", () => {
  const cases = [
    { name: "D1", command: 'db query "SELECT 1" --remote', operation: "D1 raw" },
    { name: "KV", command: "cache get rooms:registry --remote", operation: "KV get" },
    { name: "R2", command: "images list --remote", operation: "R2 ListObjectsV2" },
  ];
  for (const c of cases) {
    it(`${c.name}: four retry lines on stderr, then one error line naming the endpoint and the wait`, async () => {
      const p = project();
      const r = await runKanvas(`${c.command} --timeout 500ms`, { cwd: p.dir, env: p.env });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(6);
      expect(lines[0]).toBe(TARGET);
      expect(lines.slice(1, 5)).toEqual([2, 3, 4, 5].map((n) => `retrying ${c.operation} (${n}/5) after a 500 ms timeout…`));
      expect(lines[5]).toMatch(
        new RegExp(`^error: ${c.operation}: http://127\\.0\\.0\\.1:${port} did not answer within 500 ms \\(5 attempts over [\\d.]+ s\\)\\. Check the endpoint and your network, or raise --timeout / KANVAS_TIMEOUT\\.$`),
      );
    }, 120_000);
  }

  it("KANVAS_TIMEOUT sets the deadline when --timeout is absent; --json keeps the retry lines off stdout", async () => {
    const p = project();
    const r = await runKanvas("images list --remote --json", { cwd: p.dir, env: { ...p.env, KANVAS_TIMEOUT: "300ms", KANVAS_MAX_RETRIES: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("retrying R2 ListObjectsV2 (2/2) after a 300 ms timeout…");
    expect(JSON.parse(r.stdout).error.message).toMatch(/did not answer within 300 ms \(2 attempts over/);
  });
});

describe("bad timeouts are usage errors (exit 2, one line naming the flag or variable)", () => {
  for (const [args, env, name] of [
    ["images list --timeout 0", {}, '--timeout "0"'],
    ["images list --timeout abc", {}, '--timeout "abc"'],
    ["images list", { KANVAS_TIMEOUT: "-1" }, 'KANVAS_TIMEOUT "-1"'],
  ] as const) {
    it(`${args} ${JSON.stringify(env)}`, async () => {
      const p = project();
      const r = await runKanvas(args, { cwd: p.dir, env: { ...p.env, ...env } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: ${name}: not a timeout. Give a positive duration of at most 1 hour, e.g. 30s, 2m or 500ms.\n`);
    });
  }
});

describe("Ctrl-C (to the whole process group) cuts a hung request: exit 130 within seconds", () => {
  const cases = [
    { name: "R2 list", command: "images list --remote", operation: "R2 ListObjectsV2" },
    { name: "D1 query", command: 'db query "SELECT 1" --remote', operation: "D1 raw" },
    { name: "cleanup's lock (a D1 write)", command: "images cleanup --older-than 30d --remote --yes", operation: "D1 batch" },
  ];
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const p = project();
      // The default 30 s deadline: only the signal can end this run quickly.
      const run = spawnKanvas(c.command, { cwd: p.dir, env: p.env, detached: true });
      await nextConnection();
      const sent = Date.now();
      signalGroup(run.child.pid!, "SIGINT");
      const r = await run.done;
      const seconds = (Date.now() - sent) / 1000;
      expect(r.code).toBe(130);
      expect(r.stderr).toBe(
        `${TARGET}\n\nReceived SIGINT: stopping after the step in flight (press Ctrl-C again to force).\nerror: Interrupted: ${c.operation} was cut off in flight.\n`,
      );
      // The grace for the step in flight is 1.5 s; far below the 30 s deadline even on a loaded machine.
      expect(seconds).toBeLessThan(15);
    }, 180_000);
  }
});

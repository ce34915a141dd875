import { createServer, type Server } from "node:net";
import { PassThrough } from "node:stream";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalD1 } from "../src/clients/d1-local.js";
import { mapMiniflareError } from "../src/clients/miniflare-errors.js";
import { createLocalR2 } from "../src/clients/r2-local.js";
import { insertAsset } from "../src/domain/images/record.js";
import type { Config } from "../src/core/config/types.js";
import { CloudflareServiceError, exitCodeOf, InterruptedError } from "../src/core/errors.js";
import { Monitor } from "../src/core/monitor.js";
import { Output } from "../src/core/output.js";
import { isRetryable, type RetryPolicy } from "../src/core/retry.js";

// On Node 24 (Miniflare 5) at load 7 the loopback connection from Node to workerd dropped mid-call:
// `error: local R2 ListObjects: fetch failed`, exit 1, in the middle of a cleanup. A dropped
// connection is an unknown outcome, as it is against Cloudflare: safe calls are retried, and what
// cannot be sent again is reported as unclear, never as a 400 refusal by the bucket.
// The errors here are undici's own, from a real loopback server that closes connections unanswered.

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((socket) => socket.once("data", () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What undici throws when the other side closes the connection before answering. */
async function droppedFetch(): Promise<never> {
  await fetch(url, { method: "POST", body: "x" });
  throw new Error("the server answered; it should have closed the connection");
}

async function refusedFetch(): Promise<never> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await fetch(`http://127.0.0.1:${port}/`);
  throw new Error("unreachable");
}

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("a dropped connection to the local runtime", () => {
  it("is an unknown outcome with no status on D1, KV and R2: retried when the call is safe, exit 1 otherwise", async () => {
    const dropped = await caught(droppedFetch());
    expect(String((dropped as Error).cause)).toMatch(/other side closed|ECONNRESET/);
    for (const service of ["d1", "kv", "r2"] as const) {
      const mapped = mapMiniflareError(dropped, service, { operation: "ListObjects" }) as CloudflareServiceError;
      expect(mapped).toBeInstanceOf(CloudflareServiceError);
      expect(mapped.status).toBeUndefined();
      expect(mapped.outcomeUnknown).toBe(true);
      expect(mapped.message).toMatch(/^local (D1|KV|R2) ListObjects: the connection to the local runtime \(workerd\) dropped \((other side closed|read ECONNRESET)\)\.$/);
      expect(isRetryable(mapped, true)).toBe(true);
      expect(isRetryable(mapped, false)).toBe(false);
      expect(exitCodeOf(mapped)).toBe(1);
    }
    // The reason alone, as it arrives when Miniflare's worker thread passes it on without its wrapper.
    const bare = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    expect(mapMiniflareError(bare, "d1", { operation: "batch" })).toMatchObject({ outcomeUnknown: true, status: undefined });
    // After Ctrl-C it is still an interrupt.
    expect(mapMiniflareError(dropped, "r2", { operation: "ListObjects", signal: AbortSignal.abort() })).toBeInstanceOf(InterruptedError);
  });

  it("a refused connection (workerd is gone) is not retried", async () => {
    const refused = await caught(refusedFetch());
    const mapped = mapMiniflareError(refused, "r2", { operation: "ListObjects" }) as CloudflareServiceError;
    expect(mapped.outcomeUnknown).toBe(false);
    expect(isRetryable(mapped, true)).toBe(false);
  });

  it("R2: a dropped list and head are retried, one line each, and the command gets its answer", async () => {
    let drops = 1;
    const dropOnce = async <T>(value: T): Promise<T> => (drops-- > 0 ? droppedFetch() : value);
    const bucket = {
      list: () => dropOnce({ objects: [{ key: "a.png", size: 1, uploaded: new Date(0), etag: "e" }], truncated: false, delimitedPrefixes: [] }),
      head: () => dropOnce({ key: "a.png", size: 1, uploaded: new Date(0), etag: "e", httpMetadata: {}, customMetadata: {} }),
    };
    const { r2, err } = localR2(bucket);
    const pages: unknown[] = [];
    for await (const page of r2.list({ prefix: "" })) pages.push(...page);
    expect(pages).toEqual([expect.objectContaining({ key: "a.png" })]);
    drops = 1;
    expect(await r2.head("a.png")).toMatchObject({ key: "a.png", size: 1 });
    expect(err().split("\n").filter(Boolean)).toEqual([
      "retrying R2 ListObjects (2/4) after a failed connection…",
      "retrying R2 HeadObject (2/4) after a failed connection…",
    ]);
  });

  it("D1: a read is retried; a write is reported as unclear, not sent twice", async () => {
    let calls = 0;
    const db = {
      prepare: () => ({
        bind: () => ({ all: async () => (calls++ === 0 ? droppedFetch() : { results: [{ n: 1 }], meta: {} }) }),
      }),
    };
    const { d1, err } = localD1(db);
    expect((await d1.query("SELECT 1 AS n")).results).toEqual([{ n: 1 }]);
    expect(err()).toBe("retrying D1 query (2/4) after a failed connection…\n");
    calls = 0;
    const write = (await caught(d1.query("INSERT INTO assets (key) VALUES ('a')"))) as CloudflareServiceError;
    expect(calls).toBe(1);
    expect(write).toMatchObject({ outcomeUnknown: true, status: undefined });
    expect(write.message).toMatch(/^local D1 query: the connection to the local runtime \(workerd\) dropped/);
    // upload --record's insert is safe to send twice (ON CONFLICT (id) DO NOTHING), so it is retried.
    calls = 0;
    await insertAsset(d1, { id: "01J", userId: "u1", r2Key: "a.png", sizeBytes: 1, contentType: "image/png" });
    expect(calls).toBe(2);
  });
});

const FAST: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000, budgetMs: 10_000 };

function deps() {
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (c) => (err += c));
  const out = new Output({ stdout: new PassThrough(), stderr, env: { NO_COLOR: "1" } }, {});
  const signal = new AbortController().signal;
  const config = {
    configPath: "/tmp/wrangler.toml",
    configDir: "/tmp",
    source: "wrangler.toml",
    vars: {},
    persistTo: "/tmp/.wrangler/state",
    credentials: {},
    endpoints: {},
    r2: { binding: "KANVAS_IMAGES", localId: "kanvas-images" },
    d1: { binding: "KANVAS_DB", localId: "db", migrationsDir: "/tmp/migrations", migrationsTable: "d1_migrations" },
  } satisfies Config;
  return { common: { config, monitor: new Monitor(out, FAST, signal), out, signal, now: Date.now, timeoutMs: 30_000 }, err: () => err };
}

function localR2(bucket: object) {
  const { common, err } = deps();
  const mf = { getR2Bucket: async () => bucket } as unknown as Miniflare;
  return { r2: createLocalR2({ ...common, mf }), err };
}

function localD1(db: object) {
  const { common, err } = deps();
  const mf = { getD1Database: async () => db } as unknown as Miniflare;
  return { d1: createLocalD1({ ...common, mf }), err };
}

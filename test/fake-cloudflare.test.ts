/**
 * The fake Cloudflare API, driven by the real `cloudflare` SDK over loopback HTTP: auth and routing,
 * R2 buckets, faults and OpenAPI validation (D1: fake-cloudflare-d1.test.ts, KV: fake-cloudflare-kv.test.ts).
 * After every test: no unmatched request, no answer off the OpenAPI description, no crash.
 */
import Cloudflare, {
  APIConnectionError,
  AuthenticationError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "cloudflare";
import { describe, expect, it } from "vitest";
import { CODES, OpenApiValidator, SPEC_PATCHES } from "./helpers/fake-cloudflare/index.js";
import { account_id, apiError, cf, client, requestsSince, useFakeCloudflareSdk } from "./helpers/fake-cloudflare/sdk-harness.js";

useFakeCloudflareSdk();

describe("auth and routing", () => {
  it("verifies each kind of token only at its own endpoint, as Cloudflare does", async () => {
    await expect(client.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
    expect((await apiError(client.accounts.tokens.verify({ account_id }))).status).toBe(401);
    const accountClient = new Cloudflare({ apiToken: cf.accountToken, baseURL: cf.baseURL, maxRetries: 0 });
    await expect(accountClient.accounts.tokens.verify({ account_id })).resolves.toMatchObject({ status: "active" });
    expect((await apiError(accountClient.user.tokens.verify())).status).toBe(401);
    // An account-owned token works on the account's resources like any other.
    await expect(accountClient.d1.database.list({ account_id })).resolves.toBeDefined();
  });

  it("answers 401 for a wrong or missing token (SDK: AuthenticationError)", async () => {
    const bad = new Cloudflare({ apiToken: "not-the-token", baseURL: cf.baseURL, maxRetries: 0 });
    const err = await apiError(bad.d1.database.list({ account_id }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.errors).toEqual([{ code: 10000, message: "Authentication error" }]);
    const verify = await apiError(bad.user.tokens.verify());
    expect(verify).toBeInstanceOf(AuthenticationError);
    expect(verify.errors[0]?.code).toBe(CODES.INVALID_TOKEN);

    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/storage/kv/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null });
  });

  it("refuses another account (403) and a malformed account id (404, 7003)", async () => {
    const other = "fedcba9876543210fedcba9876543210";
    const d1 = await apiError(client.d1.database.list({ account_id: other }));
    expect(d1).toBeInstanceOf(PermissionDeniedError);
    expect(d1.errors[0]?.code).toBe(7403);
    const kv = await apiError(client.kv.namespaces.list({ account_id: other }));
    expect(kv).toBeInstanceOf(PermissionDeniedError);
    expect(kv.errors[0]?.code).toBe(10000);
    const malformed = await apiError(client.kv.namespaces.list({ account_id: "my-account" }));
    expect(malformed).toBeInstanceOf(NotFoundError);
    expect(malformed.errors.map((e) => e.code)).toEqual([7003, 7000]);
  });

  it("records and 404s requests no handler matches", async () => {
    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/workers/scripts`, {
      headers: { authorization: `Bearer ${cf.token}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([{ code: 7000, message: "No route for that URI" }]);
    expect(cf.unmatched).toEqual([`GET /client/v4/accounts/${account_id}/workers/scripts`]);
    cf.unmatched.length = 0;
  });
});

describe("R2 buckets", () => {
  it("gets an existing bucket and answers 10006 for a missing one", async () => {
    cf.r2.createBucket("kanvas-images");
    await expect(client.r2.buckets.get("kanvas-images", { account_id })).resolves.toMatchObject({ name: "kanvas-images" });
    const err = await apiError(client.r2.buckets.get("nope-bucket", { account_id }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.errors).toEqual([{ code: 10006, message: "The specified bucket does not exist." }]);
  });
});

describe("faults", () => {
  it("injects a 429 with Retry-After; an SDK with retries honours it and succeeds", async () => {
    cf.faults.inject({ status: 429, retryAfter: "1", match: { method: "GET", path: /\/d1\/database$/ } });
    const err = await apiError(client.d1.database.list({ account_id }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers?.get("retry-after")).toBe("1");
    expect(err.errors[0]?.code).toBe(971);

    cf.faults.inject({ status: 429, retryAfter: "0" });
    const retrying = new Cloudflare({ apiToken: cf.token, baseURL: cf.baseURL, maxRetries: 1 });
    const start = cf.requests.length;
    await expect(retrying.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
    expect(requestsSince(start).map((r) => r.status)).toEqual([429, 200]);
  });

  it("drops a connection without an answer (SDK: APIConnectionError)", async () => {
    cf.faults.inject({ drop: true });
    const start = cf.requests.length;
    const err = await apiError(client.user.tokens.verify());
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(requestsSince(start).map((r) => r.status)).toEqual([0]);
    await expect(client.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
  });

  it("delays, and answers 502 with Cloudflare's HTML error page", async () => {
    cf.faults.inject({ delayMs: 150 });
    const t0 = Date.now();
    await client.user.tokens.verify();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    cf.faults.inject({ status: 502 });
    const err = await apiError(client.user.tokens.verify());
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.status).toBe(502);
  });

  it("applies faults only to matching requests, as many times as asked", async () => {
    cf.faults.inject({ status: 500, times: 2, match: { method: "POST" } });
    await client.user.tokens.verify(); // GET: untouched
    const { uuid } = cf.d1.createDatabase("kanvas-faults");
    for (let i = 0; i < 2; i++) expect(await apiError(client.d1.database.query(uuid, { account_id, sql: "SELECT 1" }))).toBeInstanceOf(InternalServerError);
    await expect(client.d1.database.query(uuid, { account_id, sql: "SELECT 1" })).resolves.toBeDefined();
  });

  it("a seeded random mix replays identically", async () => {
    const run = async (): Promise<number[]> => {
      cf.faults.randomly({ rate: 0.6, seed: 42, kinds: ["429", "500", "502", "503", "drop", "slow"], slowMs: 5 });
      const start = cf.requests.length;
      for (let i = 0; i < 30; i++) await client.user.tokens.verify().catch(() => undefined);
      cf.faults.clear();
      return requestsSince(start).map((r) => r.status);
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(new Set(a)).toEqual(new Set([0, 200, 429, 500, 502, 503]));
  });
});

describe("OpenAPI validation", () => {
  const validator = new OpenApiValidator();

  it("catches answers off the description", () => {
    const ok = { success: true, errors: [], messages: [] };
    expect(validator.validateBody("d1-query-database", "200", { ...ok, result: [{ results: [], success: true, meta: {} }] })).toBeUndefined();
    expect(validator.validateBody("d1-query-database", "200", { ...ok, result: { results: [] } })).toMatch(/result must be array/);
    expect(validator.validateBody("d1-query-database", "4XX", { success: false, errors: [{ code: 7500, message: "x" }], messages: [], result: [] })).toBeDefined();
    expect(validator.validateBody("workers-kv-namespace-list-a-namespace'-s-keys", "200", { ...ok, result: [{ metadata: {} }] })).toMatch(/name/);
    expect(validator.validateBody("d1-list-databases", "200", { ...ok, result: [{ uuid: "x", jurisdiction: "mars" }] })).toMatch(/jurisdiction/);
  });

  it("checks status and content type against the operation", () => {
    const base = { method: "GET", pathname: `/client/v4/accounts/${"a".repeat(32)}/storage/kv/namespaces/ns/values/k%2F1` };
    expect(validator.validate({ ...base, status: 200, contentType: "application/octet-stream", body: "raw" })).toBeUndefined();
    expect(validator.validate({ ...base, status: 200, contentType: "application/json", body: "{}" })).toMatch(/content-type/);
    expect(validator.validate({ ...base, status: 500, contentType: "application/json", body: "{}" })).toMatch(/status 500 is not declared/);
    expect(validator.validate({ method: "GET", pathname: "/not/the/api", status: 200, contentType: null, body: "" })).toBeUndefined();
  });

  it("documents its patches to the description", () => {
    expect(SPEC_PATCHES.map((p) => p.where)).toHaveLength(4);
  });
});

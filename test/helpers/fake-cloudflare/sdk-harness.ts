/**
 * The fake Cloudflare API driven by the real `cloudflare` SDK (test/fake-cloudflare*.test.ts):
 * one fake per test file, started by `useFakeCloudflareSdk`. `cf`, `client` and `account_id` are
 * live bindings, set in beforeAll. After every test: no unmatched request, no answer off the
 * OpenAPI description, no crash.
 */
import Cloudflare, { type APIError } from "cloudflare";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./index.js";

export let cf: FakeCloudflare;
export let client: Cloudflare;
export let account_id: string;

export function useFakeCloudflareSdk(): void {
  beforeAll(async () => {
    cf = await startFakeCloudflare();
    client = new Cloudflare({ apiToken: cf.token, baseURL: cf.baseURL, maxRetries: 0 });
    account_id = cf.accountId;
  });

  afterAll(async () => {
    await cf?.close();
  });

  afterEach(() => {
    const problems = { unmatched: [...cf.unmatched], schemaErrors: [...cf.schemaErrors], internalErrors: [...cf.internalErrors] };
    cf.unmatched.length = cf.schemaErrors.length = cf.internalErrors.length = 0;
    cf.faults.clear();
    cf.useRealTime();
    expect(problems).toEqual({ unmatched: [], schemaErrors: [], internalErrors: [] });
  });

}

/** The APIError a promise rejects with. */
export async function apiError(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    return err as APIError;
  }
  throw new Error("expected the call to fail");
}

export function requestsSince(n: number) {
  return cf.requests.slice(n);
}

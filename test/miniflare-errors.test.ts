import { describe, expect, it } from "vitest";
import { mapMiniflareError } from "../src/clients/miniflare-errors.js";
import { CloudflareServiceError, ConflictError, exitCodeOf, InterruptedError } from "../src/core/errors.js";

// The one mapping of Miniflare's errors for the three local adapters: what the user sees is the
// exit code (130 for an interrupt, never a 400) and a kanvas error class (never "unexpected").

describe("mapMiniflareError", () => {
  it("an error after the run's signal aborted is an interrupt (exit 130), on D1, KV and R2", () => {
    const signal = AbortSignal.abort();
    for (const service of ["d1", "kv", "r2"] as const) {
      const mapped = mapMiniflareError(new TypeError("fetch failed"), service, { operation: "query", signal });
      expect(mapped).toBeInstanceOf(InterruptedError);
      expect(exitCodeOf(mapped)).toBe(130);
    }
    // An AbortError is one too, even before the run's signal is seen as aborted.
    const abort = Object.assign(new Error("This operation was aborted"), { name: "AbortError" });
    expect(exitCodeOf(mapMiniflareError(abort, "d1", { operation: "batch" }))).toBe(130);
  });

  it("kanvas's own errors pass through unchanged", () => {
    const conflict = new ConflictError("exists", "object_exists");
    expect(mapMiniflareError(conflict, "r2", { operation: "PutObject", signal: AbortSignal.abort() })).toBe(conflict);
  });

  it("D1: SQLite's text from the cause, status 400 (exit 1), no wrapper", () => {
    const error = new Error("D1_ERROR: no such table: assets: SQLITE_ERROR", { cause: new Error("no such table: assets: SQLITE_ERROR") });
    const mapped = mapMiniflareError(error, "d1", { operation: "query" }) as CloudflareServiceError;
    expect(mapped).toBeInstanceOf(CloudflareServiceError);
    expect(mapped).toMatchObject({ service: "d1", status: 400, message: "no such table: assets: SQLITE_ERROR" });
    expect(exitCodeOf(mapped)).toBe(1);
  });

  it("KV: the status KV names ('KV PUT failed: 414 …') and the first line only", () => {
    const mapped = mapMiniflareError(new Error("KV PUT failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.\n    at stack"), "kv", { operation: "put" });
    expect(mapped).toMatchObject({ service: "kv", status: 414, message: "local KV put: KV PUT failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512." });
  });

  it("R2: a binding refusal becomes a service error with R2's code kept (not an unexpected exit 1 bug)", () => {
    const mapped = mapMiniflareError(new Error("put: Your metadata headers exceed the maximum allowed metadata size. (10012)"), "r2", { operation: "PutObject" });
    expect(mapped).toBeInstanceOf(CloudflareServiceError);
    expect(mapped).toMatchObject({ service: "r2", status: 400, cfCode: 10012, code: "service_error" });
    expect((mapped as Error).message).toBe("local R2 PutObject: put: Your metadata headers exceed the maximum allowed metadata size. (10012)");
    // R2's "no such key" (10007) is a not-found (exit 4).
    expect(exitCodeOf(mapMiniflareError(new Error("get: The specified key does not exist. (10007)"), "r2", { operation: "GetObject" }))).toBe(4);
  });
});

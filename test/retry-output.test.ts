import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { reportError } from "../src/cli.js";
import { CloudflareServiceError, UsageError } from "../src/core/errors.js";
import { Output, useColour } from "../src/core/output.js";
import { isRetryable, parseRetryAfter, withRetry, type RetryPolicy } from "../src/core/retry.js";

const FAST: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000, budgetMs: 10_000 };
const status = (s: number | undefined, outcomeUnknown = false) => new CloudflareServiceError(`HTTP ${s}`, { service: "kv", status: s, outcomeUnknown });

describe("retry policy", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("retries 429 always, 5xx and dropped connections only when idempotent, 4xx never", () => {
    expect(isRetryable(status(429), false)).toBe(true);
    expect(isRetryable(status(503, true), true)).toBe(true);
    expect(isRetryable(status(503, true), false)).toBe(false);
    expect(isRetryable(status(undefined, true), false)).toBe(false);
    expect(isRetryable(status(400), true)).toBe(false);
    // 501 Not Implemented (an S3 server without the operation) is lasting, even for a safe request.
    expect(isRetryable(status(501, true), true)).toBe(false);
    expect(isRetryable(new Error("bug"), true)).toBe(false);
  });

  it("stops after maxAttempts and rethrows the last error", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw status(502, true);
        },
        { idempotent: true, policy: FAST },
      ),
    ).rejects.toThrow("HTTP 502");
    expect(calls).toBe(4);
  });

  it("does not re-send a write whose outcome is unknown", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw status(undefined, true);
        },
        { idempotent: false, policy: FAST },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it("waits what Retry-After says, and refuses a wait longer than the cap, stating it", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 2) throw status(429);
        return "ok";
      },
      { idempotent: false, policy: FAST, retryAfterMs: () => 20, onRetry: (i) => waits.push(i.delayMs) },
    );
    expect(result).toBe("ok");
    expect(waits).toEqual([20]);
    await expect(withRetry(async () => Promise.reject(status(429)), { idempotent: true, policy: FAST, retryAfterMs: () => 300_000 })).rejects.toThrow(
      "Cloudflare asks to wait 300 s (Retry-After), longer than kanvas waits (2 s); try again later.",
    );
  });
});

function capture(opts: { json?: boolean; verbose?: boolean } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const output = new Output({ stdout, stderr, env: { NO_COLOR: "1" } }, opts);
  return { output, text: () => ({ out, err }) };
}

describe("output", () => {
  it("a status line written while a progress counter is drawn starts on a clean line", () => {
    // Seen at a terminal under load: "listing rate-limit counters: 2,000 keys…pacing: 200 …".
    const { output, text } = capture();
    output.drawLive("listing: 1,000 keys…");
    output.drawLive("listing: 2,000 keys…");
    output.info("pacing: 200 Cloudflare API requests left in this window; waiting 5 s");
    output.drawLive("listing: 3,000 keys…");
    output.clearLive();
    output.clearLive(); // nothing drawn: nothing written
    output.warn("done");
    const lines = text().err.split("\n");
    expect(lines[0]!.split("\r\u001b[2K").at(-1)).toBe("pacing: 200 Cloudflare API requests left in this window; waiting 5 s");
    expect(text().err.endsWith("listing: 3,000 keys…\r\u001b[2Kwarning: done\n")).toBe(true);
  });

  it("uses colour only on a TTY, never with NO_COLOR, always with FORCE_COLOR", () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColour({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
  });

  it("redacts registered secrets, also URL-encoded, everywhere it writes", () => {
    const { output, text } = capture();
    output.redactor.add("s3cr3t/with+chars");
    output.println("token=s3cr3t/with+chars");
    output.info(`url?sig=${encodeURIComponent("s3cr3t/with+chars")}`);
    expect(text().out).toBe("token=[redacted]\n");
    expect(text().err).toBe("url?sig=[redacted]\n");
  });

  it("keeps an access key id only as a presigned URL's X-Amz-Credential, and masks it everywhere else", () => {
    const { output, text } = capture();
    output.redactor.add("SECRETsecretSECRET");
    output.redactor.addCredentialId("AKIDEXAMPLE123");
    const url = "https://r2.example/b/k.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE123%2F20261201%2Fauto%2Fs3%2Faws4_request&X-Amz-Signature=abc";
    output.result([{ url }], (rows) => output.println(rows[0]!.url));
    output.println("id=AKIDEXAMPLE123 secret=SECRETsecretSECRET");
    output.info("X-Amz-Credential=SECRETsecretSECRET");
    expect(text().out).toBe(`${url}\nid=[redacted] secret=[redacted]\n`);
    expect(text().err).toBe("X-Amz-Credential=[redacted]\n");
  });

  it("reports an expected error as one line, and a bug with its stack only under --verbose", () => {
    const quiet = capture();
    expect(reportError(new UsageError("--ttl 5s: below KV's 60 s floor."), quiet.output)).toBe(2);
    expect(quiet.text().err).toBe("error: --ttl 5s: below KV's 60 s floor.\n");

    const bug = capture();
    expect(reportError(new TypeError("x is undefined"), bug.output)).toBe(1);
    expect(bug.text().err).toBe("error: unexpected error: x is undefined (re-run with --verbose for details)\n");

    const verbose = capture({ verbose: true, json: true });
    expect(reportError(new TypeError("x is undefined"), verbose.output)).toBe(1);
    expect(verbose.text().err).toMatch(/^error: unexpected error: x is undefined\nTypeError: x is undefined\n\s+at /);
    expect(JSON.parse(verbose.text().out)).toEqual({ error: { code: "unexpected", message: "unexpected error: x is undefined" } });
  });
});

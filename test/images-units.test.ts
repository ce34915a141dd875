import { describe, expect, it } from "vitest";
import { sniffContentType } from "../src/domain/images/content-type.js";
import { parseCors } from "../src/domain/images/cors.js";
import { appKey, safeFileName, withExtension } from "../src/domain/images/keys.js";
import { buildMetadata, metadataBytes } from "../src/domain/images/metadata.js";
import { choosePartSize, MAX_PARTS, MiB, MIN_PART, partRanges, parseSize } from "../src/domain/images/parts.js";
import { BatchDeleter } from "../src/domain/images/batch-deleter.js";
import type { R2Client } from "../src/clients/r2.js";

describe("keys", () => {
  it("makes file names safe and follows the app's pattern", () => {
    expect(safeFileName("/tmp/My Photo (1).JPG")).toBe("My-Photo-1.JPG");
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("a?b#c%d.png")).toBe("a-b-c-d.png");
    expect(safeFileName("...")).toBe("file");
    expect(appKey("u_1", 1700000000000, "/x/cat pic.webp")).toBe("uploads/u_1/1700000000000-cat-pic.webp");
    expect(withExtension("uploads/u/1-a.jpg", "webp")).toBe("uploads/u/1-a.webp");
    expect(withExtension("dir.v2/noext", "webp")).toBe("dir.v2/noext.webp");
  });
});

describe("content type from magic bytes", () => {
  const b = (...x: number[]) => Uint8Array.from(x);
  const s = (t: string) => Uint8Array.from(Buffer.from(t, "latin1"));
  it.each([
    [b(0xff, 0xd8, 0xff, 0xe0), "x.png", "image/jpeg"],
    [b(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), "x.jpg", "image/png"],
    [s("GIF89a...."), "x", "image/gif"],
    [s("RIFF\0\0\0\0WEBPVP8 "), "x", "image/webp"],
    [s("\0\0\0\x1cftypavif"), "x", "image/avif"],
    [s("\0\0\0\x18ftypheic"), "x", "image/heic"],
    [s("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"), "x", "image/svg+xml"],
    [s("%PDF-1.7"), "x.jpg", "application/pdf"],
    [s("just text"), "notes.txt", "text/plain; charset=utf-8"],
    [s("just text"), "notes.jpg", "application/octet-stream"],
  ])("%# → %s", (head, name, type) => {
    expect(sniffContentType(head, name)).toBe(type);
  });
});

describe("part sizing keeps R2's rules", () => {
  it.each([100 * MiB, 1024 * MiB, 200 * 1024 * MiB, 4.8 * 1024 * 1024 * MiB])("%d bytes", (size) => {
    const part = choosePartSize(size);
    expect(part).toBeGreaterThanOrEqual(MIN_PART);
    expect(part % MiB).toBe(0);
    const ranges = partRanges(size, part);
    expect(ranges.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(ranges.slice(0, -1).every((r) => r.end - r.start === part)).toBe(true);
    expect(ranges.at(-1)!.end).toBe(size);
    expect(ranges.at(-1)!.end - ranges.at(-1)!.start).toBeLessThanOrEqual(part);
  });
  it("parses sizes", () => {
    expect(parseSize("100MiB", "--x")).toBe(100 * MiB);
    expect(parseSize("5242880", "--x")).toBe(5 * MiB);
    expect(() => parseSize("10 parsecs", "--multipart-threshold")).toThrow(/--multipart-threshold "10 parsecs": not a size/);
  });
});

describe("metadata", () => {
  it("counts bytes of keys and values and refuses overriding the app's fields", () => {
    expect(metadataBytes({ ab: "cd", é: "x" })).toBe(2 + 2 + 2 + 1);
    expect(() => buildMetadata({ contentType: "a/b", uploadedAt: "t" }, { ContentType: "x" })).toThrow(/kanvas sets ContentType itself/);
  });
});

describe("CORS files", () => {
  it("accepts the three shapes and normalises to S3 rules", () => {
    const s3 = [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"] }];
    expect(parseCors(s3, "f")).toEqual(s3);
    expect(parseCors({ CORSRules: s3 }, "f")).toEqual(s3);
    expect(parseCors({ rules: [{ allowed: { origins: ["*"], methods: ["GET"] } }] }, "f")).toEqual(s3);
    expect(() => parseCors([{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], MaxAgeSeconds: 1.5 }], "f")).toThrow(/rule 1 MaxAgeSeconds: must be a whole number/);
  });
});

describe("BatchDeleter", () => {
  function fakeR2(failures: Map<string, number>) {
    const calls: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const r2 = {
      async deleteKeys(keys: string[]) {
        calls.push(keys);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        const errors = keys.filter((k) => (failures.get(k) ?? 0) > 0).map((k) => {
          failures.set(k, failures.get(k)! - 1);
          return { key: k, code: "InternalError", message: "" };
        });
        return { deleted: keys.filter((k) => !errors.some((e) => e.key === k)), errors };
      },
    } as unknown as R2Client;
    return { r2, calls, max: () => maxInFlight };
  }

  it("sends 1000 keys per request with a bounded number in flight, retries failed keys, reports the rest", async () => {
    const failures = new Map([["k00005", 1], ["k04000", 99]]);
    const f = fakeR2(failures);
    const d = new BatchDeleter(f.r2, { inFlight: 3, retryDelayMs: 1, keyRetries: 2 });
    for (let i = 0; i < 4500; i++) await d.add({ key: `k${String(i).padStart(5, "0")}`, size: 2 });
    await d.finish();
    expect(f.calls.slice(0, 5).map((c) => c.length)).toEqual([1000, 1000, 1000, 1000, 500]);
    expect(f.max()).toBeLessThanOrEqual(3);
    expect(d.deleted).toBe(4499);
    expect(d.bytesFreed).toBe(4499 * 2);
    expect(d.errors).toEqual([{ key: "k04000", code: "InternalError", message: "" }]);
    expect(f.calls.length).toBe(5 + 2); // two retry rounds
  });
});

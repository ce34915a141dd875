import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

/** One bad input → exit 2, one line naming the input and the fix, no stack, nothing written. */
async function refused(args: string[], expectText: string | RegExp, opts: { stdin?: string; files?: Record<string, string> } = {}) {
  const p = tempProject({ files: opts.files });
  const r = await runKanvas(args, { cwd: p.dir, stdin: opts.stdin });
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(expectText);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
  return p;
}

describe("cache put/get input checks", () => {
  it("refuses a key over 512 UTF-8 bytes (counting bytes, not characters)", async () => {
    await refused(["cache", "put", "é".repeat(257), "v"], /<key> is 514 bytes \(UTF-8\); KV keys are at most 512 bytes/);
    await refused(["cache", "get", "k".repeat(513)], /<key> is 513 bytes/);
  });

  it('refuses "." and ".." as keys', async () => {
    await refused(["cache", "put", ".", "v"], /<key> "\." is not allowed/);
    await refused(["cache", "get", ".."], /<key> "\.\." is not allowed/);
    await refused(["cache", "delete", "..", "--yes"], /\[keys\.\.\.\] "\.\." is not allowed/);
  });

  it("refuses a value over 25 MiB before sending", async () => {
    const p = tempProject();
    p.write("big.bin", Buffer.alloc(25 * 1024 * 1024 + 1));
    const r = await runKanvas("cache put big --file big.bin", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--file big.bin: the value is 26214401 bytes; KV values are at most 25 MiB");
    expect(r.stderr).not.toContain("Target:"); // refused before any client started
  });

  it("refuses a TTL under 60 s and an expiration too soon, or both at once", async () => {
    await refused(["cache", "put", "k", "v", "--ttl", "30s"], /--ttl "30s" is under KV's minimum of 60 seconds/);
    await refused(["cache", "put", "k", "v", "--ttl", "59"], /--ttl "59" is under KV's minimum/);
    await refused(["cache", "put", "k", "v", "--ttl", "soon"], /--ttl "soon": not a duration/);
    await refused(["cache", "put", "k", "v", "--expiration", "2001-01-01T00:00:00Z"], /--expiration 978307200 \(2001-01-01T00:00:00.000Z\) is not at least 60 seconds in the future/);
    await refused(["cache", "put", "k", "v", "--expiration", "tomorrow"], /--expiration "tomorrow" is neither unix seconds nor an ISO time/);
    await refused(["cache", "put", "k", "v", "--ttl", "5m", "--expiration", "9999999999"], /--ttl: cannot be combined with --expiration \(both set an expiry\)/);
  });

  it("refuses metadata that is not JSON or over 1024 bytes", async () => {
    await refused(["cache", "put", "k", "v", "--metadata", "{by:ops}"], /--metadata is not valid JSON/);
    await refused(["cache", "put", "k", "v", "--metadata", JSON.stringify({ x: "y".repeat(1020) })], /--metadata is 1028 bytes as JSON; KV metadata is at most 1024 bytes/);
  });

  it("asks for a key, and for a value when stdin is a terminal", async () => {
    await refused(["cache", "put"], /\[key\]: missing: kanvas cache put <key>/);
    await refused(["cache", "delete", "--yes"], /\[keys\.\.\.\]: missing/);
    await refused(["cache", "list", "--limit", "0"], /--limit: must be at least 1/);
    await refused(["cache", "put", "k", "--bulk", "x.json"], /--bulk: takes every key, value and option from the file; drop the <key> argument/);
  });

  it("names every bad item of a --bulk file and writes none", async () => {
    const items = [
      { key: "ok:1", value: "fine" },
      { key: "x".repeat(513), value: "v" },
      { key: "ok:2", value: 42 },
      { key: "ok:3", value: "v", ttl: 10 },
      { key: "..", value: "v" },
      { key: "ok:4", value: "v", metadata: { x: "y".repeat(1100) } },
      { key: "ok:5", value: "not base64!", base64: true },
      { key: "ok:6", value: "v", colour: "red" },
      "not an object",
    ];
    const p = await refused(["cache", "put", "--bulk", "pairs.json"], /--bulk pairs\.json: 8 of 9 item\(s\) invalid, nothing was written\. item 1 key "x{37}\.\.\.": key is 513 bytes.*; item 2 key "ok:2": "value" must be a string.*; item 3 key "ok:3": ttl "10" is under KV's minimum.*; item 4 key "\.\.": key "\.\." is not allowed.*; item 5 key "ok:4": metadata is \d+ bytes as JSON.* \(and 3 more\)\.$/, {
      files: { "pairs.json": JSON.stringify(items) },
    });
    const list = await runKanvas("cache list --json", { cwd: p.dir });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("refuses a --bulk file that is not a JSON array", async () => {
    await refused(["cache", "put", "--bulk", "pairs.json"], /--bulk pairs\.json: not valid JSON/, { files: { "pairs.json": "[{" } });
    await refused(["cache", "put", "--bulk", "pairs.json"], /--bulk pairs\.json: expected a JSON array .* got object/, { files: { "pairs.json": "{}" } });
    await refused(["cache", "put", "--bulk", "missing.json"], /--bulk missing\.json: cannot read it \(ENOENT\)/);
  });
});

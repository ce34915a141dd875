import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { useRemoteImages } from "./helpers/remote-images.js";
import type { S3Faults } from "./helpers/s3-faults.js";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

const DAY = 86_400_000;
let front: S3Faults;
let cf: FakeCloudflare;
let dbId: string;
const images = useRemoteImages();
beforeAll(() => void ({ front, cf, dbId } = images.servers()));

const project = () => images.project();

/**
 * Puts `count` small objects under `prefix`; the first `old` of them get a LastModified `ageDays` ago.
 * Keep count > old: s3rver's DeleteObjects answers 500 when its deletions race to remove the
 * folder they empty (a s3rver bug; R2 has no folders), so each prefix keeps one new object.
 */
const seed = (prefix: string, count: number, old: number, ageDays = 40) => images.seed(prefix, count, old, { ageDays, body: (key) => `bytes of ${key}` });
const remaining = (prefix: string) => images.remaining(prefix);

function reference(keys: string[]): void {
  for (const [i, key] of keys.entries()) cf.d1.exec(dbId, "INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES (?, ?, ?, ?)", [`${key}-${i}`, "u1", key, 10]);
}

describe("images cleanup --remote (s3rver + fake D1)", () => {
  it("deletes 1000+ old objects in DeleteObjects batches, keeps referenced and new ones, logs and audits", async () => {
    const p = project();
    const keys = await seed("uploads/big/", 1100, 1050);
    await seed("other/", 5, 5); // outside the prefix: never touched
    reference([keys[0]!, keys[1]!, keys[2]!, keys[1080]!]); // 3 old + 1 new referenced
    const before = front.count("DeleteObjects");
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/big/ --remote --yes --json --log-file deleted.ndjson", { cwd: p.dir, env: p.env });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ scanned: 1100, matched: 1050, referenced: 3, deleted: 1047, errors: 0, interrupted: false, dryRun: false });
    expect(s.bytesFreed).toBe(keys.slice(3, 1050).reduce((n, k) => n + `bytes of ${k}`.length, 0));
    expect(front.count("DeleteObjects") - before).toBe(2); // 1000 + 47
    const left = await remaining("uploads/big/");
    expect(left).toEqual([keys[0], keys[1], keys[2], ...keys.slice(1050)]);
    expect(await remaining("other/")).toHaveLength(5);
    const logged = readFileSync(p.file("deleted.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l).key);
    expect(logged.sort()).toEqual(keys.slice(3, 1050));
    const audit = readFileSync(p.file("audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ command: "images cleanup", target: "remote", outcome: "ok", counts: { scanned: 1100, deleted: 1047, referenced: 3 }, details: { bucket: "kanvas-images", prefix: "uploads/big/", olderThan: "30d" } });
  });

  it("lists user folders in parallel and still sees every object (keys directly under the prefix too)", async () => {
    const p = project();
    const all: string[] = [];
    for (let u = 0; u < 6; u++) all.push(...(await seed(`uploads/multi/u${u}/`, 30, 20)));
    const loose = await seed("uploads/multi/loose-", 3, 2); // no folder: found by the delimiter listing itself
    const lists = front.count("ListObjectsV2");
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/multi/ --remote --yes --json --log-file d.ndjson", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scanned: 183, matched: 122, deleted: 122, errors: 0 });
    expect(front.count("ListObjectsV2") - lists).toBe(1 + 6);
    const logged = readFileSync(p.file("d.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l).key).sort();
    const expected = [...Array.from({ length: 6 }, (_, u) => all.slice(u * 30, u * 30 + 20)).flat(), ...loose.slice(0, 2)].sort();
    expect(logged).toEqual(expected);
    expect((await remaining("uploads/multi/")).length).toBe(61);
  });

  it("--dry-run lists what would go and deletes nothing", async () => {
    const p = project();
    const keys = await seed("uploads/dry/", 6, 4);
    reference([keys[1]!]);
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/dry/ --remote --dry-run", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("uploads/"))).toEqual([keys[0], keys[2], keys[3]]);
    expect(r.stderr).toMatch(/Dry run: 3 object\(s\) .* would be deleted; nothing was changed/);
    expect(await remaining("uploads/dry/")).toHaveLength(6);
  });

  it("retries keys a DeleteObjects answer reports as failed, then reports the ones that still fail (exit 1)", async () => {
    const p = project();
    const keys = await seed("uploads/keyerr/", 10, 10);
    front.failDeleteKeys([keys[3]!], { times: 1 });
    front.failDeleteKeys([keys[7]!], { times: 100, code: "AccessDenied" });
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/keyerr/ --remote --yes --json", { cwd: p.dir, env: p.env });
    front.clear();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ deleted: 9, errors: 1, failedKeys: [{ key: keys[7], code: "AccessDenied" }] });
    expect(r.stderr).toContain(`could not delete ${keys[7]}: AccessDenied`);
    expect(r.stderr).toMatch(/1 object\(s\) could not be deleted after retries/);
    expect(await remaining("uploads/keyerr/")).toEqual([keys[7]]);
  });

  it("a 5xx on DeleteObjects is retried by the one retry policy", async () => {
    const p = project();
    await seed("uploads/5xx/", 6, 5);
    front.failNext("DeleteObjects", 503, { times: 2, code: "ServiceUnavailable" });
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/5xx/ --remote --yes --json --verbose", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 5, errors: 0 });
    expect(r.stderr).toMatch(/r2 DeleteObjects: 1 call\(s\), 3 attempt\(s\)/);
    expect(await remaining("uploads/5xx/")).toHaveLength(1);
  });

  it("a 5xx that persists stops the run with a one-line error, after printing what was deleted", async () => {
    const p = project();
    await seed("uploads/down/", 3, 3);
    front.failNext("DeleteObjects", 500, { times: 100 });
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/down/ --remote --yes", { cwd: p.dir, env: { ...p.env, KANVAS_MAX_RETRIES: "1" } });
    front.clear();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/deleted +0/);
    expect(r.stderr).toMatch(/^error: delete 3 objects: R2 answered HTTP 500 \(InternalError\)\. This is usually temporary; retry shortly\.$/m);
    expect(readFileSync(p.file("audit.ndjson"), "utf8")).toMatch(/"outcome":"error"/);
  });

  it("--include-referenced deletes the D1 rows first, then the objects", async () => {
    const p = project();
    const keys = await seed("uploads/refs/", 5, 4);
    reference([keys[0]!, keys[1]!]);
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/refs/ --include-referenced --remote --yes --json", { cwd: p.dir, env: p.env });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ referenced: 2, rowsDeleted: 2, deleted: 4 });
    expect(cf.d1.exec(dbId, "SELECT count(*) AS n FROM assets WHERE r2_key LIKE 'uploads/refs/%'")).toEqual([{ n: 0 }]);
    expect(await remaining("uploads/refs/")).toEqual([keys[4]]);
  });

  it("--incomplete-uploads aborts multipart uploads started before the threshold", async () => {
    const p = project();
    const old = front.addUpload("uploads/mp/old.bin", new Date(Date.now() - 10 * DAY));
    front.addUpload("uploads/mp/new.bin", new Date());
    front.addUpload("elsewhere/old.bin", new Date(Date.now() - 10 * DAY));
    const r = await runKanvas("images cleanup --older-than 7d --prefix uploads/mp/ --incomplete-uploads --remote --yes --json", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).incompleteUploads).toEqual({ found: 1, aborted: 1 });
    expect(front.aborted.map((u) => u.uploadId)).toContain(old.uploadId);
    expect([...front.uploads.values()].map((u) => u.key).sort()).toEqual(["elsewhere/old.bin", "uploads/mp/new.bin"]);
  });

  it("--incomplete-uploads pages through more than 1000 unfinished uploads (key and upload-id markers)", async () => {
    const p = project();
    const listsBefore = front.count("ListMultipartUploads");
    // 3 uploads per key: the 1000-upload page ends inside a key, so the next page needs both markers.
    for (let i = 0; i < 400; i++) for (let j = 0; j < 3; j++) front.addUpload(`uploads/mpmany/${String(i).padStart(4, "0")}.bin`, new Date(Date.now() - 10 * DAY));
    front.addUpload("uploads/mpmany/fresh.bin", new Date());
    const r = await runKanvas("images cleanup --older-than 7d --prefix uploads/mpmany/ --incomplete-uploads --remote --yes --json", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).incompleteUploads).toEqual({ found: 1200, aborted: 1200 });
    expect(front.count("ListMultipartUploads") - listsBefore).toBe(2);
    expect([...front.uploads.values()].filter((u) => u.key.startsWith("uploads/mpmany/")).map((u) => u.key)).toEqual(["uploads/mpmany/fresh.bin"]);
  }, 300_000);
});

describe("images cleanup: refusals", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["no --yes without a terminal", "images cleanup --older-than 30d --remote", /refusing without --yes.*Re-run with --yes \(or --dry-run to preview\)/],
    ["bad duration", "images cleanup --older-than 30 --remote --yes", /--older-than "30": not a duration\. .*90m, 12h, 30d, 2w/],
    ["seconds are not a cleanup unit", "images cleanup --older-than 90s --remote --yes", /--older-than "90s": the smallest unit --older-than takes is minutes/],
    ["under one hour needs --force", "images cleanup --older-than 30m --remote --yes", /--older-than 30m is under one hour.*Add --force/],
    ["missing --older-than", "images cleanup --remote --yes", /--older-than: required/],
  ];
  for (const [name, cmd, message] of cases) {
    it(name, async () => {
      const p = project();
      const r = await runKanvas(cmd, { cwd: p.dir, env: p.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(existsSync(p.file("audit.ndjson"))).toBe(false);
    });
  }
});

describe("images cleanup --local (Miniflare + local D1)", () => {
  it("uses the same age and reference rules on the local bucket", async () => {
    const p = tempProject();
    const env = { KANVAS_AUDIT_LOG: p.file("audit.ndjson") };
    expect((await runKanvas("db migrate --local", { cwd: p.dir, env })).code).toBe(0);
    for (const name of ["a", "b", "c"]) p.write(`${name}.txt`, `file ${name}`);
    const up = await runKanvas("images upload a.txt b.txt c.txt --user u1 --json", { cwd: p.dir, env });
    expect(up.code).toBe(0);
    const [a, b] = JSON.parse(up.stdout).map((r: { key: string }) => r.key);
    expect((await runKanvas(["db", "query", `INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES ('x', 'u1', '${a}', 6)`], { cwd: p.dir, env })).code).toBe(0);
    // Forty days from now, everything uploaded today is forty days old.
    const later = Date.now() + 40 * DAY;
    const r = await runKanvas("images cleanup --older-than 30d --yes --json", { cwd: p.dir, env, deps: { now: () => later } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: "local", scanned: 3, matched: 3, referenced: 1, deleted: 2 });
    const list = await runKanvas("images list --json", { cwd: p.dir, env });
    expect(JSON.parse(list.stdout).map((o: { key: string }) => o.key)).toEqual([a]);
    expect(b).toBeDefined();
  });
});

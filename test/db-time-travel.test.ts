import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
let db: { uuid: string };
const T0 = Date.parse("2026-11-30T14:00:00Z");
beforeEach(async () => {
  fake = await startFakeCloudflare();
  fake.setNow(T0);
  db = fake.d1.createDatabase("kanvas-db");
  fake.d1.exec(db.uuid, "CREATE TABLE notes (n TEXT)");
  fake.setNow(T0 + 5 * 60_000); // 14:05: the state to go back to
  fake.d1.exec(db.uuid, "INSERT INTO notes VALUES ('kept')");
  fake.setNow(T0 + 30 * 60_000); // 14:30: the mistake
  fake.d1.exec(db.uuid, "INSERT INTO notes VALUES ('mistake')");
});
afterEach(async () => {
  expect(fake.unmatched).toEqual([]);
  expect(fake.schemaErrors).toEqual([]);
  await fake.close();
});
const env = () => ({ CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "1" });
const now = () => T0 + 60 * 60_000;

describe("Time Travel by time (fake Cloudflare API)", () => {
  it("time-travel info prints the current bookmark, or the one at or before --timestamp (ISO or unix seconds)", async () => {
    const p = tempProject({ migrations: false });
    const current = await runKanvas("db time-travel info --remote", { cwd: p.dir, env: env(), deps: { now } });
    expect(current.code, current.stderr).toBe(0);
    expect(current.stdout.trim()).toBe(fake.d1.currentBookmark(db.uuid));
    const at1410 = fake.d1.bookmarks(db.uuid).filter((b) => b.at <= T0 + 10 * 60_000).at(-1)!.bookmark;
    const iso = await runKanvas("db time-travel info --timestamp 2026-11-30T14:10:00Z --remote --json", { cwd: p.dir, env: env(), deps: { now } });
    expect(JSON.parse(iso.stdout)).toEqual({ target: "remote", timestamp: "2026-11-30T14:10:00.000Z", bookmark: at1410 });
    const unix = await runKanvas(`db time-travel info --timestamp ${(T0 + 10 * 60_000) / 1000} --remote`, { cwd: p.dir, env: env(), deps: { now } });
    expect(unix.stdout.trim()).toBe(at1410);
    expect(at1410).not.toBe(fake.d1.currentBookmark(db.uuid));
  });

  it("restore --timestamp prints the bookmark it restores to, asks, restores, and prints the pre-restore bookmark to undo it", async () => {
    const p = tempProject({ migrations: false });
    const before = fake.d1.currentBookmark(db.uuid);
    const refused = await runKanvas("db restore --timestamp 2026-11-30T14:10:00Z --remote", { cwd: p.dir, env: env(), deps: { now } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/resolves to bookmark \S+\./);
    expect(refused.stderr).toMatch(/refusing without --yes/);
    expect(fake.d1.exec(db.uuid, "SELECT n FROM notes ORDER BY n")).toEqual([{ n: "kept" }, { n: "mistake" }]);

    const r = await runKanvas("db restore --timestamp 2026-11-30T14:10:00Z --remote --yes", { cwd: p.dir, env: env(), deps: { now } });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.d1.exec(db.uuid, "SELECT n FROM notes ORDER BY n")).toEqual([{ n: "kept" }]);
    expect(r.stdout).toContain(`Before the restore it was at ${before}.`);
    expect(r.stdout).toContain(`kanvas db restore --bookmark ${before} --remote`);

    // The printed undo works.
    const undo = await runKanvas(`db restore --bookmark ${before} --remote --yes`, { cwd: p.dir, env: env(), deps: { now } });
    expect(undo.code).toBe(0);
    expect(fake.d1.exec(db.uuid, "SELECT n FROM notes ORDER BY n")).toEqual([{ n: "kept" }, { n: "mistake" }]);
  });

  const refusals: Array<[string, RegExp]> = [
    ["db time-travel info", /^error: kanvas db time-travel info works on the remote database only .*use --remote\.\n$/m],
    ["db restore --timestamp 2026-11-30T14:10:00Z", /works on the remote database only/],
    ["db time-travel info --timestamp yesterday --remote", /--timestamp "yesterday": not a time; use ISO 8601/],
    ["db restore --remote --yes", /give the point to restore to: --bookmark .* or --timestamp/],
    ["db restore --bookmark 00000001-0000 --timestamp 1764597900 --remote --yes", /not both/],
  ];
  for (const [cmd, message] of refusals) {
    it(`refuses in one line: ${cmd}`, async () => {
      const p = tempProject({ migrations: false });
      const n = fake.requests.length;
      const r = await runKanvas(cmd, { cwd: p.dir, env: env(), deps: { now } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
      expect(fake.requests.length).toBe(n);
    });
  }
});

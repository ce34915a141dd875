import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readAuditLog } from "./helpers/audit-log.js";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { startS3Extras, type S3Extras } from "./helpers/s3-extras.js";
import { startS3Server, type S3Server } from "./helpers/s3-server.js";

let s3: S3Server;
let front: S3Extras;
beforeAll(async () => {
  s3 = await startS3Server();
  front = await startS3Extras(s3.endpoint);
});
afterAll(async () => {
  await front?.close();
  await s3?.close();
});
beforeEach(() => {
  front.stored.clear();
  front.calls.length = 0;
});
const env = () => ({ R2_ENDPOINT: front.endpoint, R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey, CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" });

describe("images lifecycle (S3 API; s3rver has no lifecycle, so a small front keeps it)", () => {
  it("get on a bucket without rules; add keeps other rules and replaces by ID; get --json round-trips into set", async () => {
    const p = tempProject();
    const none = await runKanvas("images lifecycle get --remote --json", { cwd: p.dir, env: env() });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({ target: "remote", bucket: expect.any(String), Rules: [] });

    const abort = await runKanvas("images lifecycle add --prefix '' --abort-multipart-days 1 --id abort-stale --remote", { cwd: p.dir, env: env() });
    expect(abort.code, abort.stderr).toBe(0); // no objects deleted: no question
    const noTty = await runKanvas("images lifecycle add --prefix staging/ --expire-days 7 --remote", { cwd: p.dir, env: env() });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/refusing without --yes/);
    const staging = await runKanvas("images lifecycle add --prefix staging/ --expire-days 7 --remote --yes", { cwd: p.dir, env: env() });
    expect(staging.code, staging.stderr).toBe(0);
    const again = await runKanvas("images lifecycle add --prefix staging/ --expire-days 3 --remote --yes --json", { cwd: p.dir, env: env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ target: "remote", replaced: true });
    expect(Object.keys(JSON.parse(again.stdout))).toEqual(["target", "bucket", "added", "replaced", "Rules"]);

    const got = await runKanvas("images lifecycle get --remote --json", { cwd: p.dir, env: env() });
    const rules = JSON.parse(got.stdout);
    expect(rules).toEqual({
      target: "remote",
      bucket: expect.any(String),
      Rules: [
        { ID: "abort-stale", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        { ID: "kanvas-staging/", Status: "Enabled", Filter: { Prefix: "staging/" }, Expiration: { Days: 3 } },
      ],
    });
    const human = await runKanvas("images lifecycle get --remote", { cwd: p.dir, env: env() });
    expect(human.stdout).toContain('kanvas-staging/  prefix "staging/"  expire after 3 d');

    // set: the saved JSON goes back unchanged (after asking).
    p.write("rules.json", got.stdout);
    const dry = await runKanvas("images lifecycle set rules.json --remote --dry-run", { cwd: p.dir, env: env() });
    expect(dry.code).toBe(0);
    const puts = front.calls.filter((c) => c === "PUT").length;
    const set = await runKanvas("images lifecycle set rules.json --remote --yes --json", { cwd: p.dir, env: env() });
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ target: "remote", bucket: expect.any(String), replaced: 2, Rules: rules.Rules });
    expect(Object.keys(JSON.parse(set.stdout))[0]).toBe("target");
    expect(front.calls.filter((c) => c === "PUT").length).toBe(puts + 1);
    expect(JSON.parse((await runKanvas("images lifecycle get --remote --json", { cwd: p.dir, env: env() })).stdout)).toEqual(rules);
    // Each change is audited once; refused and dry runs are not.
    const audit = readAuditLog(p.file(".wrangler/kanvas/audit.ndjson")).filter((a) => a.command.startsWith("images lifecycle"));
    expect(audit.map((a) => [a.command, a.target, a.outcome, a.counts])).toEqual([
      ["images lifecycle add", "remote", "ok", { before: 0, after: 1 }],
      ["images lifecycle add", "remote", "ok", { before: 1, after: 2 }],
      ["images lifecycle add", "remote", "ok", { before: 2, after: 2 }],
      ["images lifecycle set", "remote", "ok", { before: 2, after: 2 }],
    ]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["not JSON", "{", /rules\.json: not valid JSON/],
    ["no action", '[{"ID":"a","Filter":{"Prefix":"tmp/"}}]', /rule 1: no action/],
    ["bad days", '[{"Filter":{"Prefix":"tmp/"},"Expiration":{"Days":0}}]', /Expiration\.Days must be a whole number of days from 1/],
    ["duplicate id", '[{"ID":"a","Filter":{"Prefix":"x/"},"Expiration":{"Days":1}},{"ID":"a","Filter":{"Prefix":"y/"},"Expiration":{"Days":1}}]', /rule 2: ID "a" is used twice/],
    ["unknown field", '[{"Filter":{"Prefix":"x/"},"Expiration":{"Days":1},"Transitions":[]}]', /unknown field Transitions/],
    ["expires uploads/", '[{"Filter":{"Prefix":"uploads/u_1/"},"Expiration":{"Days":30}}]', /would delete the app's uploads\/ that D1 assets rows reference.*images cleanup/],
    ["expires the whole bucket", '[{"Filter":{"Prefix":""},"Expiration":{"Days":30}}]', /expiring objects under "" would delete the app's uploads\//],
  ];
  for (const [name, json, message] of bad) {
    it(`set refuses a file before sending anything: ${name}`, async () => {
      const p = tempProject();
      p.write("rules.json", json);
      const r = await runKanvas("images lifecycle set rules.json --remote --yes", { cwd: p.dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(front.calls).toEqual([]);
    });
  }

  it("the local bucket refuses in one line, without starting anything", async () => {
    const p = tempProject();
    for (const cmd of ["images lifecycle get", "images lifecycle add --prefix tmp/ --expire-days 1 --yes"]) {
      const r = await runKanvas(cmd, { cwd: p.dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: Bucket lifecycle rules are an R2 feature; the local \(Miniflare\) bucket has none\. Add --remote/m);
      expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    }
  });
});

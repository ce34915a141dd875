import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { bucketOf, evaluateFlag } from "../src/domain/flags/evaluate.js";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

interface Vector {
  name: string;
  userId: string;
  bucket: number;
}
const { vectors } = JSON.parse(readFileSync(path.join(REPO_ROOT, "fixtures/flags-vectors.json"), "utf8")) as { vectors: Vector[] };

/** The contract's bucket, computed here with node:crypto's Hash (kanvas uses Web Crypto): an independent check. */
const independentBucket = (name: string, userId: string) => createHash("sha256").update(Buffer.from(`${name}:${userId}`, "utf8")).digest().readUInt32BE(0) % 100;

/** The ```js block of the README's "Reference implementation for the Worker", as a module. */
async function readmeSnippet(): Promise<{ flagBucket(n: string, u: string): Promise<number>; isFlagOn(doc: unknown, n: string, u: string): Promise<boolean> }> {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Reference implementation for the Worker"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, "README has the reference snippet").toBeTruthy();
  const file = tempProject({ wrangler: null, migrations: false }).write("flags.mjs", code!);
  return import(pathToFileURL(file).href);
}

describe("flags golden vectors (fixtures/flags-vectors.json)", () => {
  it("hold the contract's bucket, recomputed independently with node:crypto", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(15);
    for (const v of vectors) expect(independentBucket(v.name, v.userId), `${v.name}:${v.userId}`).toBe(v.bucket);
    // The edge buckets are covered, and the ids the contract allows that tools often mangle.
    for (const edge of [0, 49, 50, 99]) expect(vectors.some((v) => v.bucket === edge), `bucket ${edge}`).toBe(true);
    for (const odd of [":", "|", "日本", "🎨", " "]) expect(vectors.some((v) => v.userId.includes(odd)), odd).toBe(true);
  });

  it("kanvas computes the same buckets (Web Crypto)", async () => {
    for (const v of vectors) expect(await bucketOf(v.name, v.userId), `${v.name}:${v.userId}`).toBe(v.bucket);
  });

  it("the README's Worker snippet computes the same buckets and the same on/off as kanvas", async () => {
    const snippet = await readmeSnippet();
    for (const v of vectors) expect(await snippet.flagBucket(v.name, v.userId), `${v.name}:${v.userId}`).toBe(v.bucket);
    const stamp = { updatedAt: "2026-12-01T00:00:00.000Z", updatedBy: "t" };
    for (const v of vectors) {
      const other = vectors.find((w) => w.userId !== v.userId)!.userId;
      const flags = [
        { enabled: true, rollout: v.bucket, allow: [], deny: [] }, // bucket == rollout: off
        { enabled: true, rollout: v.bucket + 1, allow: [], deny: [] }, // just inside: on
        { enabled: false, rollout: 100, allow: [], deny: [] },
        { enabled: false, rollout: 0, allow: [v.userId], deny: [] },
        { enabled: true, rollout: 100, allow: [v.userId], deny: [v.userId] },
        { enabled: true, rollout: 100, allow: [], deny: [other] },
      ];
      const expected = [false, true, false, true, false, true];
      for (const [i, flag] of flags.entries()) {
        const doc = { version: 1, flags: { [v.name]: { ...flag, ...stamp } } };
        const ours = await evaluateFlag(v.name, flag, v.userId);
        expect(ours.on, `${v.name}:${v.userId} case ${i}`).toBe(expected[i]);
        expect(await snippet.isFlagOn(doc, v.name, v.userId), `snippet ${v.name}:${v.userId} case ${i}`).toBe(expected[i]);
      }
      expect(await snippet.isFlagOn({ version: 1, flags: {} }, v.name, v.userId)).toBe(false);
    }
  });

  it("kanvas flags eval says on/off and why, at the edges of a vector's bucket", { timeout: 600_000 }, async () => {
    const p = tempProject({ migrations: false });
    const picks = [vectors.find((v) => v.bucket === 0)!, vectors.find((v) => v.bucket === 99)!, vectors.find((v) => v.userId.includes("|"))!];
    const flags: Record<string, unknown> = {};
    for (const v of picks) flags[v.name] = { enabled: true, rollout: 50, allow: [], deny: [] };
    p.write("flags.json", JSON.stringify({ version: 1, flags }));
    expect((await runKanvas("flags set --file flags.json --yes", { cwd: p.dir })).code).toBe(0);
    for (const v of picks) {
      const r = await runKanvas(["flags", "eval", v.name, "--user", v.userId, "--json"], { cwd: p.dir });
      expect(r.code, r.stderr).toBe(0);
      const inside = independentBucket(v.name, v.userId) < 50;
      expect(JSON.parse(r.stdout)).toEqual({
        target: "local",
        name: v.name,
        userId: v.userId,
        on: inside,
        reason: "rollout",
        bucket: v.bucket,
        rollout: 50,
        why: inside ? `bucket ${v.bucket} < rollout 50` : `bucket ${v.bucket} ≥ rollout 50`,
      });
      const human = await runKanvas(["flags", "eval", v.name, "--user", v.userId], { cwd: p.dir });
      expect(human.stdout).toBe(inside ? "on\n" : "off\n");
      expect(human.stderr).toContain(inside ? `bucket ${v.bucket} < rollout 50` : `bucket ${v.bucket} ≥ rollout 50`);
    }
  });
});

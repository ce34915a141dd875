import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

const DAY = 86_400_000;

/** A terminal as clack sees it: raw mode, keypresses typed once the question is on screen. */
async function atTerminal(argv: string[], cwd: string, keys: string, now: () => number) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => {
    err += c;
    if (keys && err.includes("Delete ")) {
      const k = keys;
      keys = "";
      setTimeout(() => stdin.write(k), 50);
    }
  });
  const code = await main(argv, { stdin, stdout, stderr, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" }, cwd }, { deps: { now } });
  return { code, out, err };
}

describe("images at a terminal", () => {
  it("upload draws a progress bar; cleanup lists first, asks with the counts, and honours the answer", async () => {
    const p = tempProject();
    expect((await runKanvas("db migrate --local", { cwd: p.dir })).code).toBe(0);
    const up = await runKanvas(["images", "upload", path.join(REPO_ROOT, "fixtures/images/gps.jpg"), path.join(REPO_ROOT, "fixtures/images/photo.png"), "--user", "u1"], { cwd: p.dir, tty: true });
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/█+ 100% 1\.3 KiB\/1\.3 KiB .*\/s ETA \d+s \(2\/2 files\)/);
    expect(up.stderr).not.toMatch(/^uploaded /m); // plain lines only off a terminal

    const later = () => Date.now() + 40 * DAY;
    const no = await atTerminal(["images", "cleanup", "--older-than", "30d"], p.dir, "n", later);
    expect(no.err.replace(/[\s│]+/g, " ")).toMatch(/Delete 2 object\(s\) \(1\.3 KiB\): "uploads\/u1\/\d+-gps\.jpg", "uploads\/u1\/\d+-photo\.png" under kanvas-images\/uploads\/ older than 30d\?/);
    expect(no.code).toBe(130);
    expect(no.err).toMatch(/Cancelled; nothing was deleted\./);
    expect(JSON.parse((await runKanvas("images list --json", { cwd: p.dir })).stdout)).toHaveLength(2);

    const yes = await atTerminal(["images", "cleanup", "--older-than", "30d"], p.dir, "y", later);
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/deleted +2/);
    expect(JSON.parse((await runKanvas("images list --json", { cwd: p.dir })).stdout)).toHaveLength(0);
  });
});

/**
 * Issue 11, item 18: npm 11 lists every dependency install script that package.json's allowScripts
 * does not cover. Each one is decided there (none is needed: see README "Set up"), so a fresh
 * `npm install` prints no such warning; a new dependency with an install script fails this test
 * until someone decides about it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/project.js";

function packagesWithInstallScripts(dir: string, found = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(".")) continue;
    const names = entry.startsWith("@") ? readdirSync(path.join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      const pkgDir = path.join(dir, name);
      const manifest = path.join(pkgDir, "package.json");
      if (existsSync(manifest)) {
        const scripts = (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
        if (scripts.preinstall || scripts.install || scripts.postinstall) found.add(name);
      }
      packagesWithInstallScripts(path.join(pkgDir, "node_modules"), found);
    }
  }
  return found;
}

describe("install scripts (item 18)", () => {
  it("every dependency with an install script is decided in package.json allowScripts", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
    const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@.*$/, "$1")));
    const withScripts = [...packagesWithInstallScripts(path.join(REPO_ROOT, "node_modules"))].sort();
    expect(withScripts).toEqual(expect.arrayContaining(["esbuild", "sharp", "workerd"]));
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });

  it("sharp and workerd work without their install scripts (the prebuilt binaries come as optional dependencies)", async () => {
    const sharp = (await import("sharp")).default;
    const webp = await sharp(path.join(REPO_ROOT, "fixtures/images/photo.png")).webp().toBuffer();
    expect(webp.subarray(8, 12).toString("latin1")).toBe("WEBP");
    const { execFileSync } = await import("node:child_process");
    expect(execFileSync(path.join(REPO_ROOT, "node_modules/.bin/workerd"), ["--version"], { encoding: "utf8" })).toMatch(/^workerd \d{4}-\d{2}-\d{2}/);
  });
});

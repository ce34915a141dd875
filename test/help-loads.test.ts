/**
 * Issue 10 §1: a leaf's --help loads nothing its text does not need. The spawned launcher runs with
 * a module hook that names every package module it resolves: for every leaf, Commander is the only
 * package (no zod, Cloudflare SDK, AWS SDK, Miniflare or sharp). bench/cli/help-startup.mjs measures the time.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commandTree, type CommandNode } from "../src/commands/tree.js";
import { REPO_ROOT } from "./helpers/project.js";

const HOOK = `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url);
  if (m) process.stderr.write("PACKAGE " + m[1] + "\\n");
  return r;
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import{register}from"node:module";register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)})`)}`;

function leaves(nodes: Record<string, CommandNode>, prefix: string[] = []): string[][] {
  return Object.entries(nodes).flatMap(([name, node]) => [...(node.load ? [[...prefix, name]] : []), ...(node.children ? leaves(node.children, [...prefix, name]) : [])]);
}

describe("--help loads only what its text needs", () => {
  it("every leaf's --help resolves no package but commander", () => {
    const loaded: Record<string, string[]> = {};
    for (const leaf of [[], ...leaves(commandTree)]) {
      const r = spawnSync(process.execPath, ["--import", REGISTER, path.join(REPO_ROOT, "bin/kanvas"), ...leaf, "--help"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("Usage: kanvas");
      const packages = [...new Set([...r.stderr.matchAll(/^PACKAGE (.+)$/gm)].map((m) => m[1]!))].filter((p) => p !== "commander");
      if (packages.length) loaded[leaf.join(" ") || "(top)"] = packages;
    }
    expect(loaded).toEqual({});
  }, 600_000);
});

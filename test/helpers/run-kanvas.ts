import { spawn } from "node:child_process";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli.js";
import type { RunDeps } from "../../src/context.js";
import { REPO_ROOT } from "./project.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd: string;
  /** The whole environment the CLI sees (the test's own process.env is NOT inherited, so CI=true never leaks in). */
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  /** Pretend stdin/stdout/stderr are terminals. */
  tty?: boolean;
  deps?: RunDeps;
  signal?: AbortSignal;
}

/** Shell-like split: quotes group words, no expansion. */
export function splitArgs(command: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of command.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]!));
  return out;
}

function baseEnv(extra: RunOptions["env"]): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...extra };
}

/** Runs the CLI in this process with captured streams. */
export async function runKanvas(args: string | string[], opts: RunOptions): Promise<RunResult> {
  const argv = typeof args === "string" ? splitArgs(args) : args;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => outChunks.push(Buffer.from(c)));
  stderr.on("data", (c: Buffer) => errChunks.push(Buffer.from(c)));
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]) as Readable & { isTTY?: boolean };
  if (opts.tty) {
    Object.assign(stdout, { isTTY: true });
    Object.assign(stderr, { isTTY: true });
    stdin.isTTY = true;
  }
  const code = await main(argv, { stdout, stderr, stdin, env: baseEnv(opts.env), cwd: opts.cwd }, { deps: opts.deps, signal: opts.signal });
  const stdoutBytes = Buffer.concat(outChunks);
  return { code, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(errChunks).toString("utf8"), stdoutBytes };
}

export interface SpawnedRun {
  child: ReturnType<typeof spawn>;
  /** Resolves when the process exits. */
  done: Promise<RunResult>;
  /** Resolves once stderr or stdout contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/** Runs the real `bin/kanvas` (built dist/) as a child process: the release path, signals, exit codes. */
export function spawnKanvas(
  args: string | string[],
  opts: Omit<RunOptions, "deps" | "signal" | "tty"> & {
    /** Its own process group (pgid = child.pid), so a test can signal the group as a terminal's Ctrl-C does. */
    detached?: boolean;
  },
): SpawnedRun {
  const argv = typeof args === "string" ? splitArgs(args) : args;
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/kanvas"), ...argv], {
    cwd: opts.cwd,
    env: baseEnv(opts.env),
    stdio: ["pipe", "pipe", "pipe"],
    detached: opts.detached,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const listeners = new Set<() => void>();
  const seen = () => Buffer.concat(out).toString("utf8") + Buffer.concat(err).toString("utf8");
  child.stdout!.on("data", (c: Buffer) => {
    out.push(c);
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (c: Buffer) => {
    err.push(c);
    for (const l of listeners) l();
  });
  child.stdin!.end(opts.stdin ?? "");
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
  });
  const waitFor = (text: string | RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const matches = () => (typeof text === "string" ? seen().includes(text) : text.test(seen()));
      if (matches()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(text)}; output so far:\n${seen()}`));
      }, timeoutMs);
      const check = () => {
        if (matches()) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        }
      };
      listeners.add(check);
    });
  return { child, done, waitFor };
}

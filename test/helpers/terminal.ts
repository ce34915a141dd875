import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./project.js";

export interface TerminalRun {
  code: number;
  /** Everything the terminal showed (stdout and stderr together, with ANSI codes stripped). */
  screen: string;
}

/**
 * Runs the real bin/kanvas under a pseudo-terminal (util-linux `script`), so it sees a TTY and
 * prompts; each answer is typed once its prompt text appears.
 */
export function runInTerminal(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; answers?: Array<{ when: string | RegExp; type: string }>; timeoutMs?: number },
): Promise<TerminalRun> {
  const quoted = [process.execPath, path.join(REPO_ROOT, "bin/kanvas"), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  // A new pty has no size; clack would wrap every character onto its own line.
  const child = spawn("script", ["-qefc", `stty cols 120 rows 40 2>/dev/null; exec ${quoted}`, "/dev/null"], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm", ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let raw = "";
  const pending = [...(opts.answers ?? [])];
  const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  const onData = (chunk: Buffer) => {
    raw += chunk.toString("utf8");
    const next = pending[0];
    const screen = strip(raw);
    if (next && (typeof next.when === "string" ? screen.includes(next.when) : next.when.test(screen))) {
      pending.shift();
      setTimeout(() => child.stdin.write(next.type), 50);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`terminal run timed out; screen:\n${strip(raw)}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, screen: strip(raw) });
    });
  });
}

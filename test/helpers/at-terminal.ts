import { PassThrough } from "node:stream";
import { main } from "../../src/cli.js";

/**
 * Runs the CLI in-process as if at a terminal (raw-mode stdin, TTY streams); `keys` are typed once
 * `when` appears on stderr (clack's prompt).
 */
export async function atTerminal(argv: string[], opts: { cwd: string; when: string; keys: string; env?: Record<string, string>; now?: () => number }) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let out = "";
  let err = "";
  let keys = opts.keys;
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => {
    err += c;
    if (keys && err.includes(opts.when)) {
      const k = keys;
      keys = "";
      setTimeout(() => stdin.write(k), 50);
    }
  });
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...opts.env };
  const code = await main(argv, { stdin, stdout, stderr, env, cwd: opts.cwd }, { deps: opts.now ? { now: opts.now } : {} });
  return { code, out, err };
}

/**
 * The local runtime's lifetime belongs to kanvas, not to Miniflare:
 *  - workerd never outlives kanvas: bin/kanvas-runtime, put in front of workerd through
 *    MINIFLARE_WORKERD_PATH, kills it once this process is gone (kill -9, OOM abort, crash);
 *  - a terminal's Ctrl-C reaches kanvas only (workerd starts with SIGINT ignored), and Miniflare's
 *    own SIGINT/SIGTERM exit hook (exit 130 at once) is taken off again, so kanvas finishes the
 *    command's clean-up (abort an upload, release a lock) and then disposes Miniflare itself.
 * Costs nothing before Miniflare starts: --version and --help never load this file.
 *
 * Depends on Miniflare internals (4.20260426.0; to re-check on a Miniflare upgrade):
 *  - it spawns `process.env.MINIFLARE_WORKERD_PATH ?? <workerd>` directly (no shell), with
 *    process.env, when `new Miniflare()` starts its runtime, and SIGKILLs that pid on dispose;
 *  - its exit hook adds its SIGINT/SIGTERM listeners synchronously inside the constructor
 *    (its "exit" listener, which kills workerd on process.exit, is kept).
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FRONT = fileURLToPath(new URL("../../bin/kanvas-runtime", import.meta.url));

/**
 * Call right before `new Miniflare(...)`; call what it returns right after. Points Miniflare at the
 * front script and removes the signal listeners the constructor added.
 */
export function beforeRuntimeStart(miniflareDir: string): () => void {
  installFront(miniflareDir);
  // Miniflare 5 also exits on SIGHUP (129); kanvas handles a closed terminal like any other end.
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  return () => {
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
    }
  };
}

function installFront(miniflareDir: string): void {
  if (process.platform === "win32") return; // a POSIX shell script; Windows keeps Miniflare's default
  try {
    accessSync(FRONT, constants.X_OK);
  } catch {
    return; // not executable (an unusual install): Miniflare's own spawn still works
  }
  // A user's own MINIFLARE_WORKERD_PATH is the workerd the front starts; else the chosen runtime's
  // own workerd (each Miniflare needs its own, so it is set again for every start).
  const userWorkerd = process.env.MINIFLARE_WORKERD_PATH !== FRONT ? process.env.MINIFLARE_WORKERD_PATH : undefined;
  if (userWorkerd !== undefined) process.env.KANVAS_USER_WORKERD = userWorkerd;
  process.env.KANVAS_WORKERD = process.env.KANVAS_USER_WORKERD ?? workerdBinary(miniflareDir);
  process.env.KANVAS_RUNTIME_PARENT = String(process.pid);
  process.env.MINIFLARE_WORKERD_PATH = FRONT;
}

/**
 * The workerd binary the chosen Miniflare itself would run: its own `workerd` dependency's export
 * (the platform binary), not the package's `bin/workerd` Node shim, which would not pass fd 3 on.
 */
function workerdBinary(miniflareDir: string): string {
  const fromMiniflare = createRequire(path.join(miniflareDir, "package.json"));
  return (fromMiniflare("workerd") as { default: string }).default;
}

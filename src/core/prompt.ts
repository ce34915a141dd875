import { CancelledError, UsageError } from "./errors.js";
import type { IO } from "./output.js";
import { isCI } from "./target.js";

/** Someone can answer a question: stdin and stderr are terminals and this is not CI. */
export function isInteractive(io: IO): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true && !isCI(io.env);
}

/**
 * Asks before a destructive step. `--yes` answers for the user; with no one to ask, the answer
 * is no and the command stops, naming the flag (the opposite of wrangler's default). A "no" (or
 * Ctrl-C at the prompt) throws CancelledError, so every command prints the same plain
 * `Cancelled; nothing was …` line and exits 130; a returned value is always true.
 */
export async function confirmAction(
  io: IO,
  question: string,
  opts: { yes?: boolean; what: string; cancelled?: string },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!isInteractive(io)) {
    throw new UsageError(`${opts.what}: refusing without --yes, as no one is at a terminal to confirm. Re-run with --yes (or --dry-run to preview).`, "confirmation_required");
  }
  const { confirm, isCancel } = await import("@clack/prompts");
  const answer = await confirm({ message: question, initialValue: false, input: io.stdin, output: io.stderr });
  if (isCancel(answer) || answer !== true) throw new CancelledError(opts.cancelled);
  return true;
}

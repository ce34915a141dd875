import type { AuditPlan } from "./audit.js";

/**
 * A command's result, for the runner (commands/bookkeeping.ts) to finish: it writes the audit line
 * when `audit` is given (outcome "ok" unless it says otherwise), puts `target` first in `data` (in
 * each item of a list), prints it (JSON with --json, else `human`), then `warnings` and `errors` on
 * stderr, and exits with `exitCode` (default 0), or reports `error` when there is one. It lives in
 * core so that domain code a command hands its work to (a flags change) can return one too.
 */
export interface CommandResult {
  /** An object, or a list whose items each get `target` first; absent: nothing to print. */
  data?: Record<string, unknown> | Array<Record<string, unknown>>;
  human?: () => void;
  audit?: AuditPlan & { outcome?: "ok" | "dry-run" | "error" | "interrupted" };
  /** Warning lines, then error lines, for stderr after the result, in both modes (e.g. what failed and how to go on). */
  warnings?: string[];
  errors?: string[];
  exitCode?: number;
  /** A run that stopped part-way: once its result is printed and audited, this is reported like any thrown error. */
  error?: unknown;
}

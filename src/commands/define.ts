import type { AuditPlan } from "../core/audit.js";
import type { Context } from "../context.js";
import type { InputOf, Specs } from "./spec/flag.js";

/**
 * One leaf command, declared once: its positional `args` and its `flags` (typed specs from
 * spec/flag.ts, shared ones spread in from spec/shared.ts) give Commander its options, the
 * strict zod parse (built only when the command runs) and the type of `run`'s input.
 */
export interface CommandDefinition<A extends Specs = Specs, F extends Specs = Specs> {
  /** The one description: shown in the leaf's help and (checked by a test) in the tree's listing. */
  description: string;
  examples: string[];
  /** Extra help text after the examples (caveats, exit codes). */
  notes?: string;
  /** Positional arguments, in order. */
  args?: A;
  flags: F;
  /** "write" commands refuse to default to the local target when CI is set. */
  access?: "none" | "read" | "write";
  /**
   * Rules across flags, run after every value parsed. `fail("olderThan", "required: …")` refuses the
   * input as "--older-than: required: …" (exit 2).
   */
  check?(input: InputOf<A, F>, fail: (key: string, message: string) => never): void;
  /** An exit code (or nothing: 0), or, once converted, a result the runner prints and audits. */
  run(input: InputOf<A, F>, ctx: Context): Promise<number | void | CommandResult>;
}

/**
 * A command's result, for the runner to finish: it writes the audit line when `audit` is given
 * (outcome "ok" unless it says otherwise), puts `target` first in `data` (in each item of a list),
 * prints it (JSON with --json, else `human`), then `warnings` and `errors` on stderr, and exits
 * with `exitCode` (default 0), or reports `error` when there is one.
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

export function defineCommand<A extends Specs = {}, F extends Specs = {}>(def: CommandDefinition<A, F>): CommandDefinition<A, F> {
  return def;
}

export type { InputOf } from "./spec/flag.js";

import type { AuditPlan } from "../audit.js";
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
 * A command's result, for the runner to finish: it puts `target` first in `data`, prints it
 * (JSON with --json, else `human`), writes the audit line when `audit` is given (outcome "ok"
 * unless it says "dry-run" or "error"), then `errors` on stderr, and exits with `exitCode` (default 0).
 */
export interface CommandResult {
  /** A record, or a list of records (each gets `target` first). */
  data: Record<string, unknown> | Array<Record<string, unknown>>;
  human?: () => void;
  audit?: AuditPlan & { outcome?: "ok" | "dry-run" | "error" };
  /** Error lines for stderr after the result, in both modes (e.g. what failed and how to go on). */
  errors?: string[];
  exitCode?: number;
}

export function defineCommand<A extends Specs = {}, F extends Specs = {}>(def: CommandDefinition<A, F>): CommandDefinition<A, F> {
  return def;
}

export type { InputOf } from "./spec/flag.js";

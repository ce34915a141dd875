import type { Context } from "../context.js";
import type { CommandResult } from "../core/result.js";
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

export type { CommandResult } from "../core/result.js";

export function defineCommand<A extends Specs = {}, F extends Specs = {}>(def: CommandDefinition<A, F>): CommandDefinition<A, F> {
  return def;
}

export type { InputOf } from "./spec/flag.js";

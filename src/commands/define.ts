import type { z } from "zod";
import type { Context } from "../context.js";

/** Which shared option fragments a command takes (see shared-options.ts). */
export type SharedFragment = "target" | "r2Target" | "remoteOnly" | "r2RemoteOnly" | "yes" | "dryRun";

export interface ArgumentSpec {
  /** Commander syntax: "<key>", "[value]", "<files...>". */
  syntax: string;
  description: string;
}

export interface OptionSpec {
  /** Commander syntax: "--ttl <duration>", "-n, --limit <n>", "--no-check". */
  flags: string;
  description: string;
  default?: string | boolean | string[];
  /** Repeatable option collected into an array. */
  repeatable?: boolean;
}

/**
 * One leaf command. Input types are inferred from `schema`, which validates the merged
 * positional arguments and options (the pure resolve step); `run` gets typed, checked input.
 */
export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
  description: string;
  examples: string[];
  /** Extra help text after the examples (caveats, exit codes). */
  notes?: string;
  arguments?: ArgumentSpec[];
  options?: OptionSpec[];
  shared?: SharedFragment[];
  /** "write" commands refuse to default to the local target when CI is set. */
  access?: "none" | "read" | "write";
  schema: S;
  run(input: z.infer<S>, ctx: Context): Promise<number | void>;
}

export function defineCommand<S extends z.ZodType>(def: CommandDefinition<S>): CommandDefinition<S> {
  return def;
}

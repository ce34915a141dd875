import type { z } from "zod";
import type { CommandDefinition } from "./commands/define.js";
import { GLOBAL_KEYS } from "./commands/shared-options.js";
import { UsageError } from "./errors.js";

/**
 * The pure resolve step: positional arguments and options → the command's zod schema → typed input.
 * A failure names the flag or argument as the user typed it.
 */
export function resolveInput<S extends z.ZodType>(
  def: CommandDefinition<S>,
  positional: unknown[],
  options: Record<string, unknown>,
): z.infer<S> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!(GLOBAL_KEYS as readonly string[]).includes(key)) input[key] = value;
  }
  (def.arguments ?? []).forEach((arg, i) => {
    input[argumentKey(arg.syntax)] = positional[i];
  });
  const parsed = def.schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  throw new UsageError(`${displayName(def, key)}: ${issue.message}`);
}

/** "<files...>" → "files"; "[value]" → "value". */
export function argumentKey(syntax: string): string {
  return syntax.replace(/[<>[\].]/g, "");
}

function displayName(def: CommandDefinition, key: string): string {
  if (!key) return "input";
  const arg = def.arguments?.find((a) => argumentKey(a.syntax) === key);
  if (arg) return arg.syntax;
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return flag;
}

import type { CommandDefinition } from "./define.js";
import { argSyntax, flagSyntax, type Spec, type Specs } from "./spec/flag.js";
import { common, target } from "./spec/shared.js";
import { UsageError } from "../core/errors.js";

/**
 * The pure resolve step: positional arguments and options → one strict zod object built from the
 * command's specs (only now: `--help` never loads zod) → fully parsed input. A failure names the
 * flag or argument as the user typed it; a key no spec declares is refused, never dropped.
 */
export async function resolveInput(def: CommandDefinition, positional: unknown[], options: Record<string, unknown>, cwd: string): Promise<Record<string, unknown>> {
  const { z } = await import("zod");
  const input: Record<string, unknown> = {};
  const own = ownSpecs(def);
  for (const [key, value] of Object.entries(options)) {
    if (!def.flags[key]?.global && !GLOBAL_KEYS.has(key)) input[key] = value;
  }
  Object.keys(def.args ?? {}).forEach((key, i) => {
    input[key] = positional[i];
  });
  const shape = Object.fromEntries(Object.entries(own).map(([key, spec]) => [key, spec.field(z, { name: displayName(def, key), cwd })]));
  const parsed = z.strictObject(shape).safeParse(input);
  if (!parsed.success) {
    // A key no spec declares is the first thing to say: the command and its parser disagree.
    const issue = parsed.error.issues.find((i) => i.code === "unrecognized_keys") ?? parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") throw new UsageError(`${issue.keys.map((k) => displayName(def, k)).join(", ")}: not an option of this command.`);
    throw new UsageError(`${displayName(def, String(issue.path[0] ?? ""))}: ${issue.message}`);
  }
  const data = parsed.data as Record<string, unknown>;
  def.check?.(data as never, (key, message) => {
    throw new UsageError(`${displayName(def, key)}: ${message}`);
  });
  return data;
}

/** The specs whose values reach `run`: every argument, every flag that is not global. */
export function ownSpecs(def: CommandDefinition): Specs {
  const own: Specs = { ...(def.args ?? {}) };
  for (const [key, spec] of Object.entries(def.flags)) if (!spec.global) own[key] = spec;
  return own;
}

/** Keys of the flags the runner reads (spec/shared.ts): stripped before the command's own parse. */
const GLOBAL_KEYS = new Set(Object.keys({ ...common, ...target }));

/** "olderThan" → "--older-than"; "keys" → "<keys...>". */
function displayName(def: CommandDefinition, key: string): string {
  if (!key) return "input";
  const arg: Spec<unknown> | undefined = def.args?.[key];
  if (arg) return argSyntax(key, arg);
  const flag = def.flags[key];
  if (flag) return flagSyntax(key, flag).replace(/ <.*$/, "").replace(/^-\w, /, "");
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { CommandDefinition } from "./commands/define.js";
import type { GlobalOptions } from "./commands/shared-options.js";
import { argSyntax, flagSyntax, type Spec, type Specs } from "./commands/spec/flag.js";
import { common } from "./commands/spec/shared.js";
import { commandTree, type CommandNode } from "./commands/tree.js";
import type { Context, RunDeps } from "./context.js";
import { CancelledError, ExitCode, UsageError, UserError, exitCodeOf } from "./core/errors.js";
import { Output, type IO } from "./core/output.js";
import { checkFolderFlag, checkWritableFile } from "./core/path-flags.js";
import { resolveInput } from "./commands/resolve-input.js";
import { chooseTarget } from "./core/target.js";
import { packageVersion } from "./core/version.js";

export interface MainOptions {
  /** Aborted on SIGINT/SIGTERM by bin/kanvas; commands stop cleanly and exit 130. */
  signal?: AbortSignal;
  deps?: RunDeps;
}

/** Runs kanvas with `argv` (without node and script) and returns the exit code; never exits itself. */
export async function main(argv: string[], io: IO, opts: MainOptions = {}): Promise<number> {
  const signal = opts.signal ?? new AbortController().signal;
  let exitCode: number = ExitCode.ok;
  const program = new Command("kanvas")
    .description("Ops for the Cloudflare D1, R2 and KV resources behind Kanvas — local (Miniflare) or --remote.")
    .version(packageVersion(), "-v, --version", "print the version (as wrangler's -v)")
    .helpOption("-h, --help", "show help")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText("after", TOP_LEVEL_HELP);

  await addNodes(program, commandTree, pathInArgv(argv), [], io, signal, opts.deps ?? {}, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, argv, io);
    throw error;
  }
}

/** Adds the tree's commands; only those on argv's path get their module loaded. */
async function addNodes(
  parent: Command,
  nodes: Record<string, CommandNode>,
  argvPath: string[],
  path: string[],
  io: IO,
  signal: AbortSignal,
  deps: RunDeps,
  setExit: (code: number) => void,
): Promise<void> {
  for (const [name, node] of Object.entries(nodes)) {
    const cmd = parent.command(name).description(node.description);
    const here = [...path, name];
    const isOnPath = here.every((part, i) => argvPath[i] === part);
    if (node.children) await addNodes(cmd, node.children, argvPath, here, io, signal, deps, setExit);
    // Only the deepest command on the path is a leaf here: a parent that is also a command
    // (db migrate → db migrate status) would otherwise take the child's flags (--json, --remote).
    if (isOnPath && node.load && here.length === argvPath.length) {
      const def = (await node.load()).default;
      configureLeaf(cmd, def, here.join(" "), io, signal, deps, setExit);
    }
  }
}

/** The command names argv walks through ("db", "migrate", "status"); options and arguments are skipped. */
function pathInArgv(argv: string[]): string[] {
  const path: string[] = [];
  let nodes: Record<string, CommandNode> | undefined = commandTree;
  for (const token of argv) {
    if (!nodes) break;
    const node: CommandNode | undefined = token.startsWith("-") ? undefined : nodes[token];
    if (!node) continue;
    path.push(token);
    nodes = node.children;
  }
  return path;
}

function configureLeaf(
  cmd: Command,
  def: CommandDefinition,
  commandPath: string,
  io: IO,
  signal: AbortSignal,
  deps: RunDeps,
  setExit: (code: number) => void,
): void {
  // The leaf's own description is the one its help shows (the tree's copy only lists it).
  cmd.description(def.description);
  for (const [key, spec] of Object.entries(def.args ?? {})) cmd.argument(argSyntax(key, spec), spec.description);
  for (const [key, spec] of Object.entries(leafFlags(def))) cmd.addOption(commanderOption(key, spec));
  const examples = def.examples.map((e) => `  $ ${e}`).join("\n");
  cmd.addHelpText("after", `\nExamples:\n${examples}\n${def.notes ? `\n${def.notes}\n` : ""}`);
  cmd.action(async (...actionArgs: unknown[]) => {
    const command = actionArgs.at(-1) as Command;
    const options = command.opts() as Record<string, unknown> & GlobalOptions;
    setExit(await runLeaf(def, commandPath, actionArgs.slice(0, Object.keys(def.args ?? {}).length), options, io, signal, deps));
  });
}

/** A leaf's own flags, then the ones every leaf takes. */
export function leafFlags(def: CommandDefinition): Specs {
  return { ...def.flags, ...common };
}

/** The Commander option a spec stands for: syntax, description, and the default shown once. */
export function commanderOption(key: string, spec: Spec<unknown>): Option {
  const option = new Option(flagSyntax(key, spec), spec.description);
  if (spec.repeatable) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  if (spec.default !== undefined) option.default(spec.default);
  if (key === "remote") option.conflicts("local");
  return option;
}

async function runLeaf(
  def: CommandDefinition,
  commandPath: string,
  positional: unknown[],
  options: Record<string, unknown> & GlobalOptions,
  io: IO,
  signal: AbortSignal,
  deps: RunDeps,
): Promise<number> {
  const out = new Output(io, { json: options.json, verbose: options.verbose, quiet: options.quiet });
  let ctx: Context | undefined;
  try {
    const input = await resolveInput(def, positional, options, io.cwd);
    // Paths given to shared flags are checked before any work, like --config and --file.
    if (options.metricsFile) checkWritableFile(path.resolve(io.cwd, options.metricsFile), "--metrics-file", options.metricsFile);
    if (options.persistTo) checkFolderFlag(path.resolve(io.cwd, options.persistTo), "--persist-to", options.persistTo);
    // --persist-to names local state: with --remote it would be silently ignored, so it is refused.
    if (options.persistTo !== undefined && options.remote) {
      throw new UsageError(`--persist-to ${options.persistTo} names local Miniflare state, but --remote uses Cloudflare: drop --persist-to, or use --local instead of --remote.`, "persist_to_remote");
    }
    const target = def.flags.remote ? chooseTarget(options, io.env, def.access ?? "read", commandPath) : "local";
    // Loaded here, not at the top: --help and --version must not pay for zod and the config loader.
    const { Context } = await import("./context.js");
    ctx = new Context(io, out, options, target, commandPath, signal, deps);
    const code = await def.run(input, ctx);
    if (typeof code === "object") return await (await import("./commands/bookkeeping.js")).finishResult(ctx, code);
    return code ?? ExitCode.ok;
  } catch (error) {
    if (ctx?.pendingAudit) await (await import("./commands/bookkeeping.js")).auditFailure(ctx, error);
    return reportError(error, out, signal);
  } finally {
    if (ctx) {
      if (options.verbose) ctx.monitor.printSummary();
      if (options.metricsFile) {
        try {
          ctx.monitor.writeMetrics(path.resolve(io.cwd, options.metricsFile));
        } catch (error) {
          out.warn(`--metrics-file ${options.metricsFile}: could not write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
        }
      }
      await ctx.dispose();
    }
  }
}

/** One line on stderr (and the JSON envelope on stdout with --json); a stack only with --verbose. */
export function reportError(error: unknown, out: Output, signal?: AbortSignal): number {
  if (error instanceof CancelledError) {
    // The user said no: a plain line, not an error.
    out.writeErr(error.message + "\n");
    if (out.json) out.print(JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2) + "\n");
    return error.exitCode;
  }
  const expected = error instanceof UserError;
  const message = error instanceof Error ? error.message : String(error);
  const code = expected ? (error as UserError).code : "unexpected";
  const line = expected ? message : `unexpected error: ${message}${out.verbose ? "" : " (re-run with --verbose for details)"}`;
  out.errorLine(line);
  if (out.verbose && error instanceof Error && error.stack) out.writeErr(error.stack + "\n");
  const details = expected ? (error as UserError).details : undefined;
  if (out.json) out.print(JSON.stringify({ error: { code, message: line, ...(details ? { details } : {}) } }, null, 2) + "\n");
  if (signal?.aborted && !expected) return ExitCode.interrupted;
  return exitCodeOf(error);
}

/** Commander's own errors: help and version are 0; every usage mistake is 2 (Commander says 1). */
function commanderExit(error: CommanderError, argv: string[], io: IO): number {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
  if (argv.includes("--json")) {
    const message = error.message.replace(/^error: /, "");
    io.stdout.write(JSON.stringify({ error: { code: "usage", message } }, null, 2) + "\n");
  }
  return ExitCode.usage;
}

const TOP_LEVEL_HELP = `
Targets: every command runs against the local Miniflare state (.wrangler/state/v3, shared with
wrangler --local) unless you pass --remote. In CI, commands that write need --local or --remote.

Examples:
  $ kanvas db migrate                       apply pending migrations locally
  $ kanvas db migrate --remote --env production
  $ kanvas images cleanup --older-than 30d --dry-run
  $ kanvas cache get rooms:registry --json

Exit codes: 0 ok, 1 unexpected, 2 usage/config, 3 auth, 4 not found, 5 conflict,
6 rate limited, 130 interrupted.
`;

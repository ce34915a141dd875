import path from "node:path";
import { UserError, ExitCode } from "../core/errors.js";
import type { LocalRuntime } from "./runtime.js";
import { alarmColumnsInState, alarmColumnsOf } from "./state-version.js";

/**
 * A local runtime that could not start: a configuration/runtime problem (exit 2), told in one line
 * with its cause and fix. workerd's own output (a kj::Exception and a stack on one long line) is
 * kept by kanvas and never printed; --verbose shows the last lines of it.
 */
export class RuntimeStartError extends UserError {
  constructor(message: string, code: string, readonly runtimeOutput: string[] = [], cause?: unknown) {
    super(message, { code, exitCode: ExitCode.usage, cause });
    // --verbose prints the stack: there, and only there, workerd's own last lines are shown.
    if (runtimeOutput.length > 0) this.stack = `${this.name}: ${message}\nworkerd's last output:\n${runtimeOutput.join("\n")}`;
  }
}

interface Where {
  stateRoot: string;
  runtime: LocalRuntime;
  cwd: string;
}

/** Throws, before anything is started or written, when the state was upgraded by a newer workerd. */
export function refuseUpgradedState(where: Where): void {
  const expected = alarmColumnsOf(where.runtime.workerd.version);
  if (expected === undefined) return;
  const found = alarmColumnsInState(where.stateRoot);
  if (found && found.columns > expected) throw upgradedState(where);
}

/** Maps a failed `mf.ready` (or construction) to one line; `lines` is what workerd wrote meanwhile. */
export function startFailure(error: unknown, lines: string[], where: Where): RuntimeStartError {
  const output = lines.join("\n");
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  if (/_cf_ALARM has \d+ columns but \d+ values/.test(output + message)) return upgradedState(where, lines, error);
  if (code === "ERR_ADDRESS_IN_USE" || /Address already in use|EADDRINUSE/.test(output + message)) {
    return new RuntimeStartError(
      `the local runtime could not bind its loopback port (${firstLine(message)}); stop whatever holds it (another kanvas or wrangler dev started with a fixed port), then run the command again.`,
      "runtime_port_in_use",
      lines,
      error,
    );
  }
  if (code === "EACCES" || code === "EPERM" || code === "ENOTDIR" || code === "EROFS" || /SQLITE_CANTOPEN|unable to open database|Permission denied|Read-only file system/i.test(output)) {
    return new RuntimeStartError(
      `the local runtime cannot open its state in ${rel(where)}${code ? ` (${code})` : ""}; make it a folder you can write, or point --persist-to at another folder.`,
      "local_state_unreadable",
      lines,
      error,
    );
  }
  if (/SQLITE_CORRUPT|file is not a database|malformed/i.test(output)) {
    return new RuntimeStartError(
      `the local state in ${rel(where)} is damaged (workerd: ${sqliteReason(output)}); move the folder aside to start fresh, or point --persist-to at another folder.`,
      "local_state_corrupt",
      lines,
      error,
    );
  }
  return new RuntimeStartError(
    `the local runtime (workerd ${where.runtime.workerd.version}, Miniflare ${where.runtime.miniflare.version}) failed to start${crashReason(output)}; re-run with --verbose to see workerd's output, or reinstall with 'npm ci'.`,
    "runtime_failed",
    lines,
    error,
  );
}

function upgradedState(where: Where, lines: string[] = [], cause?: unknown): RuntimeStartError {
  const r = where.runtime;
  const node = Number(process.versions.node.split(".")[0]);
  const fix =
    node < 22
      ? `Run kanvas on Node ≥ 22 (it then uses ${r.appWrangler ? `the app's wrangler ${r.appWrangler}` : "its own newer Miniflare"}), or point --persist-to at another folder.`
      : `Upgrade the app's wrangler (npm install -D wrangler@latest) so kanvas uses its runtime, or point --persist-to at another folder.`;
  return new RuntimeStartError(
    `the local state in ${rel(where)} was upgraded by a newer wrangler; kanvas runs Miniflare ${r.miniflare.version} on Node ${process.versions.node}, which cannot open it. ${fix}`,
    "local_state_upgraded",
    lines,
    cause,
  );
}

function rel(where: Where): string {
  return path.relative(where.cwd, where.stateRoot) || ".";
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 200);
}

/** workerd's reason from a kj::Exception line, without its stack. */
function crashReason(output: string): string {
  const m = /failed: ([^;\n]{1,200})/.exec(output) ?? /(?:Fatal|error)[^:\n]*: ([^\n]{1,200})/i.exec(output);
  return m ? ` (${m[1]!.trim()})` : "";
}

function sqliteReason(output: string): string {
  return /(SQLITE_[A-Z]+|file is not a database|malformed[^;\n]{0,80})/i.exec(output)?.[1] ?? "SQLite error";
}

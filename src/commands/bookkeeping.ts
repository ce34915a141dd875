/**
 * The runner's bookkeeping for commands that return a CommandResult: the target in the data, the
 * printed result, the audit line (ok / dry-run on success; error / interrupted when a run that
 * declared `ctx.auditing(…)` throws) and the exit code. Loaded only after a command has run.
 */
import { appendAudit } from "../audit.js";
import type { Context } from "../context.js";
import { ExitCode, InterruptedError } from "../errors.js";
import type { CommandResult } from "./define.js";

export async function finishResult(ctx: Context, result: CommandResult): Promise<number> {
  const plan = result.audit;
  if (plan) appendAudit(await ctx.config(), ctx.io.env, { command: ctx.command, target: ctx.target, outcome: plan.outcome ?? "ok", counts: plan.counts, details: plan.details });
  const withTarget = (record: Record<string, unknown>) => ({ target: ctx.target, ...record });
  ctx.out.result(Array.isArray(result.data) ? result.data.map(withTarget) : withTarget(result.data), () => result.human?.());
  for (const line of result.errors ?? []) ctx.out.errorLine(line);
  return result.exitCode ?? ExitCode.ok;
}

/** A run that declared its audit line and then failed: the line still gets written, with why. */
export async function auditFailure(ctx: Context, error: unknown): Promise<void> {
  const plan = ctx.pendingAudit;
  if (!plan) return;
  const outcome = error instanceof InterruptedError || ctx.signal.aborted ? "interrupted" : "error";
  appendAudit(await ctx.config(), ctx.io.env, { command: ctx.command, target: ctx.target, outcome, counts: plan.counts, details: plan.details });
}

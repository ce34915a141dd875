import { appendAudit } from "../../audit.js";
import { describeTargets } from "../../confirm-summary.js";
import { ExitCode } from "../../errors.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "delete a user's counters",
  examples: ["kanvas cache ratelimit reset u_123 --dry-run", "kanvas cache ratelimit reset u_123 --action upload --remote --yes"],
  notes: "Deletes every rate_limit:<userId>:<action>:<hour> counter of the user (all hours), or of one --action.\nAsks first at a terminal; elsewhere needs --yes. Appends a line to the audit log.",
  args: { userId: text("the user's id as the app stores it", { required: true }) },
  flags: { action: text("only this action's counters", { placeholder: "<action>" }), ...target, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const { findCounters } = await import("../../cache/counters.js");
    const { checkAction, checkUserId } = await import("../../cache/ratelimit.js");
    const userId = checkUserId(input.userId);
    const action = input.action === undefined ? undefined : checkAction(input.action, "--action");
    const config = await ctx.config();
    const kv = await ctx.kv();
    const details = { userId, ...(action ? { action } : {}) };
    const audit = (outcome: "ok" | "error" | "interrupted" | "dry-run", counts: Record<string, number>) =>
      appendAudit(config, ctx.io.env, { command: "cache ratelimit reset", target: ctx.target, outcome, counts, details });
    let counters: Awaited<ReturnType<typeof findCounters>>;
    try {
      counters = await findCounters(kv, { userId, action }, ctx.signal);
    } catch (error) {
      // A reset that failed before deleting anything is still a destructive run that was attempted.
      audit(ctx.signal.aborted ? "interrupted" : "error", { counters: 0, deleted: 0 });
      throw error;
    }
    const keys = counters.map((c) => c.key);
    if (!keys.length) {
      ctx.out.result({ target: ctx.target, userId, deleted: 0, counters: [], failed: [], dryRun: !!input.dryRun }, () => ctx.out.info(`no counters for ${JSON.stringify(userId)}${action ? ` and ${action}` : ""}; nothing to reset.`));
      return;
    }
    if (input.dryRun) {
      audit("dry-run", { counters: keys.length });
      ctx.out.result({ target: ctx.target, userId, deleted: 0, counters, failed: [], dryRun: true }, (r) => {
        ctx.out.table(["KEY", "COUNT"], r.counters.map((c) => [c.key, c.count]));
        ctx.out.info(`dry run: would delete ${keys.length} counter(s); nothing was changed.`);
      });
      return;
    }
    const what = `reset ${keys.length} rate-limit counter(s) of ${JSON.stringify(userId)} (${ctx.target})`;
    if (!(await ctx.confirm(`Delete ${describeTargets({ keys, noun: "rate-limit counter" })} of ${JSON.stringify(userId)}${action ? ` for ${action}` : ""} (${ctx.target})?`, { yes: input.yes, what, cancelled: "Cancelled; nothing was deleted." }))) return;
    let result;
    try {
      result = await kv.deleteMany(keys);
    } catch (error) {
      audit(ctx.signal.aborted ? "interrupted" : "error", { counters: keys.length });
      throw error;
    }
    audit(result.failed.length ? "error" : "ok", { deleted: result.done, failed: result.failed.length });
    ctx.out.result({ target: ctx.target, userId, deleted: result.done, counters, failed: result.failed, dryRun: false }, (r) => ctx.out.success(`deleted ${r.deleted} counter(s) of ${JSON.stringify(userId)}.`));
    if (result.failed.length) {
      ctx.out.errorLine(`${result.failed.length} counter(s) were still reported unsuccessful by KV after retries; run the command again.`);
      return ExitCode.unexpected;
    }
  },
});

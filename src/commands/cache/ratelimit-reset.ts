import { describeTargets } from "../../domain/confirm-summary.js";
import { ExitCode } from "../../core/errors.js";
import { defineCommand, type CommandResult } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "delete a user's counters",
  examples: ["kanvas cache ratelimit reset u_123 --dry-run", "kanvas cache ratelimit reset u_123 --action upload --remote --yes"],
  notes: "Deletes every rate_limit:<userId>:<action>:<hour> counter of the user (all hours), or of one --action.\nAsks first at a terminal; elsewhere needs --yes. Appends a line to the audit log.",
  args: { userId: text("the user's id as the app stores it", { required: true }) },
  flags: { action: text("only this action's counters", { placeholder: "<action>" }), ...target, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx): Promise<CommandResult | void> {
    const { findCounters } = await import("../../domain/cache/counters.js");
    const { checkAction, checkUserId } = await import("../../domain/cache/ratelimit.js");
    const userId = checkUserId(input.userId);
    const action = input.action === undefined ? undefined : checkAction(input.action, "--action");
    const kv = await ctx.kv();
    const details = { userId, ...(action ? { action } : {}) };
    // A reset that failed before deleting anything is still a destructive run that was attempted.
    ctx.auditing({ counts: { counters: 0, deleted: 0 }, details });
    const counters = await findCounters(kv, { userId, action }, ctx.signal);
    ctx.auditing(undefined);
    const keys = counters.map((c) => c.key);
    if (!keys.length) {
      return { data: { userId, deleted: 0, counters: [], failed: [], dryRun: !!input.dryRun }, human: () => ctx.out.info(`no counters for ${JSON.stringify(userId)}${action ? ` and ${action}` : ""}; nothing to reset.`) };
    }
    if (input.dryRun) {
      return {
        data: { userId, deleted: 0, counters, failed: [], dryRun: true },
        audit: { outcome: "dry-run", counts: { counters: keys.length }, details },
        human: () => {
          ctx.out.table(["KEY", "COUNT"], counters.map((c) => [c.key, c.count]));
          ctx.out.info(`dry run: would delete ${keys.length} counter(s); nothing was changed.`);
        },
      };
    }
    const what = `reset ${keys.length} rate-limit counter(s) of ${JSON.stringify(userId)} (${ctx.target})`;
    if (!(await ctx.confirm(`Delete ${describeTargets({ keys, noun: "rate-limit counter" })} of ${JSON.stringify(userId)}${action ? ` for ${action}` : ""} (${ctx.target})?`, { yes: input.yes, what, cancelled: "Cancelled; nothing was deleted." }))) return;
    ctx.auditing({ counts: { counters: keys.length }, details });
    const result = await kv.deleteMany(keys);
    const failed = result.failed.length;
    return {
      data: { userId, deleted: result.done, counters, failed: result.failed, dryRun: false },
      audit: { outcome: failed ? "error" : "ok", counts: { deleted: result.done, failed }, details },
      human: () => ctx.out.success(`deleted ${result.done} counter(s) of ${JSON.stringify(userId)}.`),
      errors: failed ? [`${failed} counter(s) were still reported unsuccessful by KV after retries; run the command again.`] : [],
      exitCode: failed ? ExitCode.unexpected : ExitCode.ok,
    };
  },
});

import { BEST_EFFORT_NOTE } from "./notes.js";
import { formatDuration } from "../../core/duration.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "a user's counts, limits and reset times",
  examples: ["kanvas cache ratelimit status u_123", "kanvas cache ratelimit status u_123 --action draw --remote --json"],
  notes: `Counters: rate_limit:<userId>:<action>:<hour>, hour = floor(unix ms / 3,600,000); limits from [vars] KANVAS_RATE_LIMITS.\n${BEST_EFFORT_NOTE}`,
  args: { userId: text("the user's id as the app stores it", { required: true }) },
  flags: { action: text("only this action", { placeholder: "<action>" }), ...target },
  access: "read",
  async run(input, ctx) {
    const { findCounters } = await import("../../domain/cache/counters.js");
    const { checkAction, checkUserId, hourOf, loadLimits, secondsUntilReset } = await import("../../domain/cache/ratelimit.js");
    const userId = checkUserId(input.userId);
    const action = input.action === undefined ? undefined : checkAction(input.action, "--action");
    const limits = loadLimits(await ctx.config(), { required: false }) ?? {};
    const now = ctx.now();
    const hour = hourOf(now);
    const counters = await findCounters(await ctx.kv(), { userId, action, hour }, ctx.signal);
    const counts = new Map(counters.map((c) => [c.action, c.count]));
    const actions = action !== undefined ? [action] : [...new Set([...Object.keys(limits), ...counts.keys()])].sort();
    const resetsInSeconds = secondsUntilReset(now);
    const rows = actions.map((a) => {
      const count = counts.get(a) ?? 0;
      const limit = limits[a] ?? null;
      return { action: a, count, limit, remaining: limit === null ? null : Math.max(0, limit - count), resetsInSeconds };
    });
    const human = () => {
      if (!rows.length) {
        ctx.out.info(`no counters for ${JSON.stringify(userId)} this hour, and no limits in [vars] KANVAS_RATE_LIMITS.`);
        return;
      }
      ctx.out.table(
        ["ACTION", "COUNT", "LIMIT", "REMAINING", "RESETS IN"],
        rows.map((x) => [x.action, x.count, x.limit ?? "(no limit)", x.remaining ?? "", formatDuration(x.resetsInSeconds * 1000)]),
      );
    };
    return { data: { userId, hour, actions: rows }, human };
  },
});

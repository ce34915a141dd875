import { BEST_EFFORT_NOTE } from "./notes.js";
import { formatDuration } from "../../core/duration.js";
import { LimitError, UsageError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { count, text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "count one action the way the app does; exit 6 when over the limit",
  examples: ["kanvas cache ratelimit hit u_123 draw", "kanvas cache ratelimit hit u_123 upload --cost 5 --remote --json"],
  notes:
    "Reads rate_limit:<userId>:<action>:<hour>; if count + cost would pass the action's limit in [vars] KANVAS_RATE_LIMITS, exits 6\n" +
    `("rate limit exceeded") and writes nothing; otherwise writes count + cost with a one-hour TTL and prints what remains.\n${BEST_EFFORT_NOTE}`,
  args: {
    userId: text("the user's id as the app stores it", { required: true }),
    action: text("an action named in KANVAS_RATE_LIMITS (e.g. draw)", { required: true }),
  },
  flags: { cost: count("count this many actions at once", { default: 1, example: "--cost 5" }), ...target },
  access: "write",
  async run(input, ctx) {
    const { checkAction, checkUserId, counterKey, counterValue, COUNTER_TTL_SECONDS, hourOf, loadLimits, secondsUntilReset } = await import("../../domain/cache/ratelimit.js");
    const userId = checkUserId(input.userId);
    const action = checkAction(input.action);
    const cost = input.cost;
    const limits = loadLimits(await ctx.config(), { required: true })!;
    const limit = limits[action];
    if (limit === undefined) {
      throw new UsageError(`<action> ${JSON.stringify(action)} has no limit in [vars] KANVAS_RATE_LIMITS; known actions: ${Object.keys(limits).join(", ") || "(none)"}.`, "unknown_action");
    }
    const now = ctx.now();
    const key = counterKey(userId, action, hourOf(now));
    const kv = await ctx.kv();
    const current = counterValue((await kv.getTexts([key])).get(key));
    const resetsInSeconds = secondsUntilReset(now);
    if (current + cost > limit) {
      throw new LimitError(
        `rate limit exceeded: ${JSON.stringify(userId)} has used ${current} of ${limit} ${action} this hour${cost > 1 ? ` (asked for ${cost})` : ""}; the window resets in ${formatDuration(resetsInSeconds * 1000)}.`,
        "rate_limited",
        { target: ctx.target, userId, action, key, count: current, cost, limit, remaining: Math.max(0, limit - current), resetsInSeconds, allowed: false },
      );
    }
    const count = current + cost;
    await kv.put(key, new TextEncoder().encode(String(count)), { expirationTtl: COUNTER_TTL_SECONDS });
    const remaining = limit - count;
    return {
      data: { userId, action, key, count, cost, limit, remaining, resetsInSeconds, allowed: true },
      human: () => {
        ctx.out.println(String(remaining));
        ctx.out.info(`allowed: ${count}/${limit} ${action} this hour, ${remaining} left, resets in ${formatDuration(resetsInSeconds * 1000)}.`);
      },
    };
  },
});

import { BEST_EFFORT_NOTE } from "./notes.js";
import { formatDuration } from "../../core/duration.js";
import { defineCommand } from "../define.js";
import { count, text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "the users with the highest counts in the current window",
  examples: ["kanvas cache ratelimit top", "kanvas cache ratelimit top --action upload --limit 20 --remote --json"],
  notes: `Lists every rate_limit: counter of the current hour (cursor pages of 1000), reads them in bulk (100 a request remotely) and ranks users.\nWithout --action a user's count is the sum over actions.\n${BEST_EFFORT_NOTE}`,
  flags: {
    action: text("rank by this action only", { placeholder: "<action>" }),
    limit: count("how many users to show", { default: 10, example: "--limit 20" }),
    ...target,
  },
  access: "read",
  async run(input, ctx) {
    const { findCounters } = await import("../../domain/cache/counters.js");
    const { checkAction, hourOf, loadLimits, secondsUntilReset } = await import("../../domain/cache/ratelimit.js");
    const { ScanProgress } = await import("../../domain/cache/scan-progress.js");
    const action = input.action === undefined ? undefined : checkAction(input.action, "--action");
    const limits = loadLimits(await ctx.config(), { required: false }) ?? {};
    const now = ctx.now();
    const hour = hourOf(now);
    const progress = new ScanProgress(ctx.out, "listing rate-limit counters");
    const counters = await findCounters(await ctx.kv(), { action, hour }, ctx.signal, (n) => progress.add(n)).finally(() => progress.done());
    const users = new Map<string, { userId: string; count: number; actions: Record<string, number> }>();
    for (const c of counters) {
      const u = users.get(c.userId) ?? { userId: c.userId, count: 0, actions: {} };
      u.count += c.count;
      u.actions[c.action] = c.count;
      users.set(c.userId, u);
    }
    const limit = action !== undefined ? (limits[action] ?? null) : null;
    const top = [...users.values()]
      .sort((a, b) => b.count - a.count || a.userId.localeCompare(b.userId))
      .slice(0, input.limit)
      .map((u) => ({ ...u, ...(action !== undefined ? { limit, remaining: limit === null ? null : Math.max(0, limit - u.count) } : {}) }));
    const resetsInSeconds = secondsUntilReset(now);
    const human = () => {
      if (!top.length) {
        ctx.out.info(`no rate-limit counters${action ? ` for ${action}` : ""} in the current hour.`);
        return;
      }
      ctx.out.table(
        action !== undefined ? ["USER", "COUNT", "LIMIT"] : ["USER", "COUNT", "ACTIONS"],
        top.map((u) => [u.userId, u.count, action !== undefined ? (limit ?? "(no limit)") : Object.entries(u.actions).map(([a, n]) => `${a}=${n}`).join(" ")]),
      );
      ctx.out.info(`window resets in ${formatDuration(resetsInSeconds * 1000)}.`);
    };
    return { data: { hour, action: action ?? null, resetsInSeconds, users: top }, human };
  },
});

import { z } from "zod";
import type { Config } from "../../core/config/types.js";
import { ConfigError, UsageError } from "../../core/errors.js";
import { checkUserId as checkSharedUserId } from "../../core/user-id.js";
import { keyProblem } from "./limits.js";

/**
 * The app's rate-limit contract (SEED-cloudflare-integration.md): one KV counter per user, action and
 * hour, `rate_limit:<userId>:<action>:<hour>` with hour = Math.floor(now / 3_600_000), its value the
 * count as decimal text, written with a one-hour TTL. Limits per action per hour live in
 * `[vars] KANVAS_RATE_LIMITS` (a JSON object).
 */
export const RATE_LIMIT_PREFIX = "rate_limit:";
export const WINDOW_MS = 3_600_000;
export const COUNTER_TTL_SECONDS = 3600;
export const LIMITS_VAR = "KANVAS_RATE_LIMITS";
const EXAMPLE = `${LIMITS_VAR} = '{"draw": 600, "upload": 60}'`;

export interface CounterKey {
  userId: string;
  action: string;
  hour: number;
}

export function hourOf(nowMs: number): number {
  return Math.floor(nowMs / WINDOW_MS);
}

export function counterKey(userId: string, action: string, hour: number): string {
  return `${RATE_LIMIT_PREFIX}${userId}:${action}:${hour}`;
}

/** Parses from the right, so a user id may itself contain ":" (an action may not). */
export function parseCounterKey(key: string): CounterKey | undefined {
  if (!key.startsWith(RATE_LIMIT_PREFIX)) return undefined;
  const m = /^(.+):([^:]+):(\d+)$/.exec(key.slice(RATE_LIMIT_PREFIX.length));
  return m ? { userId: m[1]!, action: m[2]!, hour: Number(m[3]) } : undefined;
}

/** The app reads a counter with parseInt(value || "0"): anything else counts as 0. */
export function counterValue(text: string | undefined): number {
  const n = Number.parseInt(text ?? "0", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function secondsUntilReset(nowMs: number): number {
  return Math.ceil(((hourOf(nowMs) + 1) * WINDOW_MS - nowMs) / 1000);
}

/** The shared user-id rule (src/core/user-id.ts), then the counter key must fit KV's limits. */
export function checkUserId(userId: string): string {
  checkSharedUserId(userId, "<userId>");
  const problem = keyProblem(counterKey(userId, "x", 0));
  if (problem) throw new UsageError(`<userId> makes a counter key that ${problem}.`);
  return userId;
}

export function checkAction(action: string, label = "<action>"): string {
  if (!/^[^:\s]+$/.test(action)) throw new UsageError(`${label} ${JSON.stringify(action)}: actions are single words without ":" or spaces, e.g. draw.`);
  return action;
}

const limitsSchema = z.record(
  z.string().regex(/^[^:\s]+$/, "action names are single words without ':' or spaces"),
  z.number().int("limits are whole numbers").positive("limits are at least 1"),
);

/** `[vars] KANVAS_RATE_LIMITS` (a JSON string in wrangler.toml, or an object in wrangler.json), validated. */
export function loadLimits(config: Config, opts: { required: boolean }): Record<string, number> | undefined {
  const raw = config.vars[LIMITS_VAR];
  const where = `[vars] ${LIMITS_VAR} in ${config.source}`;
  if (raw === undefined || raw === "") {
    if (!opts.required) return undefined;
    throw new ConfigError(`${where} is missing: the limits per action per hour. Add it, e.g. ${EXAMPLE}.`, "config_rate_limits_missing");
  }
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(`${where} is not valid JSON; write it as ${EXAMPLE}.`, "config_rate_limits_invalid");
    }
  }
  const parsed = limitsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? ` at ${JSON.stringify(String(issue.path[0]))}` : "";
    throw new ConfigError(`${where}${at}: ${issue.message}; write it as a JSON object of action → hourly limit, e.g. ${EXAMPLE}.`, "config_rate_limits_invalid");
  }
  return parsed.data;
}

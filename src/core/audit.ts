import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "./config/types.js";
import type { TargetKind } from "./target.js";

export interface AuditEntry {
  command: string;
  target: TargetKind;
  outcome: "ok" | "error" | "interrupted" | "dry-run";
  counts?: Record<string, number>;
  /** Anything command-specific: bucket, prefix, threshold, bookmark, migrations… */
  details?: Record<string, unknown>;
}

/** What an audited run records besides command, target and outcome. */
export type AuditPlan = Pick<AuditEntry, "counts" | "details">;

/** KANVAS_AUDIT_LOG, else `.wrangler/kanvas/audit.ndjson` beside the config (next to the local state, ignored by git). */
export function auditLogPath(config: Config, env: NodeJS.ProcessEnv): string {
  return env.KANVAS_AUDIT_LOG ? path.resolve(config.configDir, env.KANVAS_AUDIT_LOG) : path.join(config.configDir, ".wrangler", "kanvas", "audit.ndjson");
}

let cachedUser: string | undefined;
/** Who runs kanvas (git user.email, else $USER), for the audit log and the flags document's updatedBy. */
export function whoAmI(env: NodeJS.ProcessEnv): string {
  if (cachedUser) return cachedUser;
  try {
    cachedUser = execFileSync("git", ["config", "user.email"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 2_000 }).trim();
  } catch {
    cachedUser = "";
  }
  cachedUser ||= env.USER ?? env.USERNAME ?? "unknown";
  return cachedUser;
}

/** Every destructive command appends one NDJSON line: time, user, target, command, counts, outcome. */
export function appendAudit(config: Config, env: NodeJS.ProcessEnv, entry: AuditEntry): string {
  const file = auditLogPath(config, env);
  mkdirSync(path.dirname(file), { recursive: true });
  const line = { time: new Date().toISOString(), user: whoAmI(env), config: config.configPath, env: config.envName ?? null, ...entry };
  appendFileSync(file, JSON.stringify(line) + "\n");
  return file;
}

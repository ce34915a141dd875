/**
 * The audit log as tests read it: one NDJSON line per destructive command (src/core/audit.ts writes it).
 * Typed here, not imported from src, so the tests check the file's shape rather than share it.
 */
import { existsSync, readFileSync } from "node:fs";

export interface AuditLine {
  time: string;
  user: string;
  /** the config file kanvas read */
  config: string;
  /** --env, or null */
  env: string | null;
  command: string;
  target: "local" | "remote";
  outcome: "ok" | "error" | "interrupted" | "dry-run";
  /** what the command counted (deleted, missing, …); tests read the ones they expect */
  counts: Record<string, number>;
  /** anything command-specific: bucket, prefix, threshold, verified, … */
  details: AuditDetails;
  /** fields a newer kanvas adds (tests read them as unknown) */
  [key: string]: unknown;
}

/** Command-specific details; tests read the ones the command they run writes. */
export interface AuditDetails {
  /** flags commands: the changed flags' records before and after (null: absent) */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every line of the audit log at `file` (none when it does not exist). */
export function readAuditLog(file: string): AuditLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
}

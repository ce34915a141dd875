import { UsageError } from "./errors.js";

export type TargetKind = "local" | "remote";

/** CI is "set" the way CI providers set it: any value but empty, "0" or "false". */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/**
 * The one place that picks the target. Local is the default, except that in CI a command that
 * writes must say which it means: a deploy that quietly migrated the local database is the classic mistake.
 */
export function chooseTarget(
  flags: { local?: boolean; remote?: boolean },
  env: NodeJS.ProcessEnv,
  access: "none" | "read" | "write",
  command: string,
): TargetKind {
  if (flags.local && flags.remote) throw new UsageError("--local and --remote cannot be used together; pick one.");
  if (flags.remote) return "remote";
  if (flags.local) return "local";
  if (access === "write") requireTargetForWriteInCI(flags, env, command);
  return "local";
}

/**
 * In CI, a write must name its target. Exported for commands that know only from their input whether
 * they write (`db query` classifies its SQL): they declare access "read" and call this for writing SQL.
 */
export function requireTargetForWriteInCI(flags: { local?: boolean; remote?: boolean }, env: NodeJS.ProcessEnv, command: string): void {
  if (flags.local || flags.remote || !isCI(env)) return;
  throw new UsageError(
    `CI is set and 'kanvas ${command}' writes, but neither --local nor --remote was given: refusing to guess. Add --remote to change your Cloudflare account, or --local for the local Miniflare state.`,
    "target_required",
  );
}

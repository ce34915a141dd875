import { UsageError } from "./errors.js";

/**
 * The one rule for a user id, shared by every command that puts one into a key (images upload
 * `--user`, cache ratelimit, flags): anything that is safe both as an R2 key segment and inside a
 * KV key. So no "/" (it would add a segment), no control characters, not empty, and not "." or ".."
 * (URL normalization rewrites those segments into another key). ":" and "|" are fine
 * (`user:42`, `auth0|abc`): keys are opaque bytes to R2 and KV.
 */
export function userIdProblem(userId: string): string | undefined {
  if (userId === "") return "is empty; give the user's id as the app stores it";
  if (userId.includes("/")) return `contains "/", which would add a key segment; user ids cannot contain "/"`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(userId)) return "contains control characters; use printable characters only";
  if (userId === "." || userId === "..") return `is ${JSON.stringify(userId)}, which URL normalization would rewrite into another key`;
  return undefined;
}

/** Throws a usage error (exit 2) naming `label` (e.g. "--user" or "<userId>") when the id breaks the rule. */
export function checkUserId(userId: string, label: string): string {
  const problem = userIdProblem(userId);
  if (problem) throw new UsageError(`${label} ${JSON.stringify(userId)} ${problem}.`, "bad_user");
  return userId;
}

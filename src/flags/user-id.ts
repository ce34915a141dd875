import { UsageError } from "../errors.js";

/**
 * The user-id rule (the same rule as the shared src/user-id.ts another change introduces; point this
 * file at it on merge): any text but empty, with no "/" and no control characters. ":" and "|" are fine.
 */
export function userIdProblem(userId: string): string | undefined {
  if (userId.length === 0) return "is empty; give the user's id as the app stores it";
  if (userId.includes("/")) return 'contains "/", which user ids may not; give the id as the app stores it';
  // C0 controls, DEL and C1 controls (tabs and newlines included): invisible in logs and terminals.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(userId)) return "contains a control character (tab, newline…), which user ids may not";
  return undefined;
}

export function checkUserId(userId: string, label = "<userId>"): string {
  const problem = userIdProblem(userId);
  if (problem) throw new UsageError(`${label} ${JSON.stringify(userId)} ${problem}.`, "bad_user_id");
  return userId;
}

import { readFile } from "node:fs/promises";
import type { LifecycleRule } from "../../clients/r2.js";
import { UsageError } from "../../core/errors.js";

/** S3 (and R2) take at most 1000 rules per bucket. */
const MAX_RULES = 1000;

/**
 * A lifecycle rule knows nothing of D1 references: expiring objects under the app's uploads/
 * would delete images that assets rows still point at. That is `images cleanup`'s job.
 */
export function coversUploads(prefix: string): boolean {
  return "uploads/".startsWith(prefix) || prefix.startsWith("uploads/");
}

/** Checks rules whole (before anything is sent) and returns them in the S3 shape. */
export function validateRules(raw: unknown, from: string, opts: { allowUploads?: boolean } = {}): LifecycleRule[] {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === "object" && Array.isArray((raw as { Rules?: unknown }).Rules) ? (raw as { Rules: unknown[] }).Rules : undefined;
  if (!list) throw new UsageError(`${from}: expected an array of rules or {"Rules": [...]} (as 'kanvas images lifecycle get --json' prints).`, "lifecycle_invalid");
  if (list.length > MAX_RULES) throw new UsageError(`${from}: ${list.length} rules; a bucket takes at most ${MAX_RULES}.`, "lifecycle_invalid");
  const ids = new Set<string>();
  return list.map((r, i) => {
    const at = `${from}: rule ${i + 1}`;
    if (!r || typeof r !== "object") throw new UsageError(`${at} is not an object.`, "lifecycle_invalid");
    const rule = r as Record<string, unknown>;
    const known = new Set(["ID", "Status", "Filter", "Prefix", "Expiration", "AbortIncompleteMultipartUpload"]);
    const unknown = Object.keys(rule).filter((k) => !known.has(k));
    if (unknown.length) throw new UsageError(`${at}: unknown field ${unknown[0]} (use ID, Status, Filter.Prefix, Expiration.Days, AbortIncompleteMultipartUpload.DaysAfterInitiation).`, "lifecycle_invalid");
    const id = rule.ID;
    if (id !== undefined && (typeof id !== "string" || id.length === 0 || id.length > 255)) throw new UsageError(`${at}: ID must be a string of 1 to 255 characters.`, "lifecycle_invalid");
    if (typeof id === "string") {
      if (ids.has(id)) throw new UsageError(`${at}: ID ${JSON.stringify(id)} is used twice; rule IDs must be unique.`, "lifecycle_invalid");
      ids.add(id);
    }
    const status = rule.Status ?? "Enabled";
    if (status !== "Enabled" && status !== "Disabled") throw new UsageError(`${at}: Status must be "Enabled" or "Disabled".`, "lifecycle_invalid");
    const filter = rule.Filter as { Prefix?: unknown } | undefined;
    const prefix = filter?.Prefix ?? rule.Prefix ?? "";
    if (typeof prefix !== "string") throw new UsageError(`${at}: Filter.Prefix must be a string.`, "lifecycle_invalid");
    const days = (v: unknown, what: string) => {
      if (v === undefined) return undefined;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 36_500) throw new UsageError(`${at}: ${what} must be a whole number of days from 1 to 36500.`, "lifecycle_invalid");
      return v;
    };
    const exp = rule.Expiration as { Days?: unknown; Date?: unknown } | undefined;
    const expireDays = days(exp?.Days, "Expiration.Days");
    let expireDate: string | undefined;
    if (exp?.Date !== undefined) {
      if (typeof exp.Date !== "string" || !/^\d{4}-\d\d-\d\d(T00:00:00(\.000)?Z)?$/.test(exp.Date) || Number.isNaN(Date.parse(exp.Date))) {
        throw new UsageError(`${at}: Expiration.Date must be a UTC midnight, e.g. 2027-01-01T00:00:00Z.`, "lifecycle_invalid");
      }
      expireDate = new Date(exp.Date).toISOString();
    }
    if (expireDays !== undefined && expireDate !== undefined) throw new UsageError(`${at}: give Expiration.Days or Expiration.Date, not both.`, "lifecycle_invalid");
    const abort = days((rule.AbortIncompleteMultipartUpload as { DaysAfterInitiation?: unknown } | undefined)?.DaysAfterInitiation, "AbortIncompleteMultipartUpload.DaysAfterInitiation");
    if (expireDays === undefined && expireDate === undefined && abort === undefined) {
      throw new UsageError(`${at}: no action; give Expiration.Days (or Date) and/or AbortIncompleteMultipartUpload.DaysAfterInitiation.`, "lifecycle_invalid");
    }
    if ((expireDays !== undefined || expireDate !== undefined) && status === "Enabled" && coversUploads(prefix) && !opts.allowUploads) {
      throw new UsageError(
        `${at}: expiring objects under ${JSON.stringify(prefix)} would delete the app's uploads/ that D1 assets rows reference (a rule cannot see them). Use 'kanvas images cleanup' there, narrow the prefix, or add --allow-uploads.`,
        "lifecycle_covers_uploads",
      );
    }
    return {
      ...(typeof id === "string" ? { ID: id } : {}),
      Status: status,
      Filter: { Prefix: prefix },
      ...(expireDays !== undefined ? { Expiration: { Days: expireDays } } : expireDate ? { Expiration: { Date: expireDate } } : {}),
      ...(abort !== undefined ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: abort } } : {}),
    };
  });
}

export async function readLifecycleFile(file: string, shown: string, opts: { allowUploads?: boolean } = {}): Promise<LifecycleRule[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`${shown}: cannot read it (${(error as NodeJS.ErrnoException).code}). Check the path.`, "file_unreadable");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${shown}: not valid JSON (${(error as Error).message}).`, "lifecycle_invalid");
  }
  return validateRules(raw, shown, opts);
}

/** One line per rule, for people. */
export function describeRule(r: LifecycleRule): string {
  const actions = [
    r.Expiration?.Days !== undefined ? `expire after ${r.Expiration.Days} d` : r.Expiration?.Date ? `expire on ${r.Expiration.Date}` : "",
    r.AbortIncompleteMultipartUpload ? `abort unfinished uploads after ${r.AbortIncompleteMultipartUpload.DaysAfterInitiation} d` : "",
  ].filter(Boolean);
  return `${r.ID ?? "(no id)"}  prefix ${JSON.stringify(r.Filter?.Prefix ?? "")}  ${actions.join(", ")}${r.Status === "Disabled" ? "  (disabled)" : ""}`;
}

export const LIFECYCLE_REMOTE_ONLY = () =>
  new UsageError("Bucket lifecycle rules are an R2 feature; the local (Miniflare) bucket has none. Add --remote (with R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY set).", "lifecycle_remote_only");

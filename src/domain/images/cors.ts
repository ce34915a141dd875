import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { CorsRule } from "../../clients/r2.js";
import { UsageError } from "../../core/errors.js";

const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"] as const;

const ruleSchema = z.strictObject({
  ID: z.string().max(255).optional(),
  AllowedOrigins: z.array(z.string().min(1, { message: "an origin cannot be empty" })).min(1, { message: "needs at least one origin, e.g. \"https://kanvas.app\" or \"*\"" }),
  AllowedMethods: z.array(z.enum(METHODS, { message: `methods are ${METHODS.join(", ")}` })).min(1, { message: "needs at least one method, e.g. \"GET\"" }),
  AllowedHeaders: z.array(z.string().min(1)).optional(),
  ExposeHeaders: z.array(z.string().min(1)).optional(),
  MaxAgeSeconds: z.number().int({ message: "must be a whole number of seconds" }).min(0).max(86_400, { message: "at most 86400 (one day)" }).optional(),
});

/** wrangler's `r2 bucket cors set` file shape, accepted too. */
const wranglerRule = z.strictObject({
  id: z.string().optional(),
  allowed: z.strictObject({ origins: z.array(z.string()), methods: z.array(z.string()), headers: z.array(z.string()).optional() }),
  exposeHeaders: z.array(z.string()).optional(),
  maxAgeSeconds: z.number().optional(),
});

/**
 * A CORS file: an array of S3 rules, `{"CORSRules": [...]}` (aws s3api's shape) or
 * `{"rules": [...]}` (wrangler's shape). Validated whole before anything is sent.
 */
export async function readCorsFile(file: string): Promise<CorsRule[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === "ENOENT" ? "no such file" : `cannot read it (${code})`}. Give the path of a CORS JSON file.`, "cors_file");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message}). Fix the file and try again.`, "cors_file");
  }
  return parseCors(json, file);
}

export function parseCors(json: unknown, file: string): CorsRule[] {
  let rules: unknown = json;
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    if (Array.isArray(o.CORSRules)) rules = o.CORSRules;
    else if (Array.isArray(o.rules)) rules = o.rules.map((r, i) => fromWrangler(r, file, i));
    else throw new UsageError(`${file}: expected an array of rules, {"CORSRules": [...]} or {"rules": [...]}.`, "cors_file");
  }
  if (!Array.isArray(rules)) throw new UsageError(`${file}: expected an array of rules, {"CORSRules": [...]} or {"rules": [...]}.`, "cors_file");
  if (rules.length === 0) throw new UsageError(`${file}: no rules. Give at least one rule (to remove CORS, set a rule for the origins you need).`, "cors_file");
  if (rules.length > 100) throw new UsageError(`${file}: ${rules.length} rules; a bucket takes at most 100.`, "cors_file");
  const parsed = z.array(ruleSchema).safeParse(rules);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `rule ${Number(issue.path[0]) + 1}${issue.path.length > 1 ? ` ${issue.path.slice(1).join(".")}` : ""}` : "rules";
    throw new UsageError(`${file}: ${where}: ${issue.message}.`, "cors_file");
  }
  return parsed.data.map((r) => ({ ...r, AllowedMethods: [...r.AllowedMethods] }));
}

function fromWrangler(rule: unknown, file: string, i: number): unknown {
  const parsed = wranglerRule.safeParse(rule);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: rule ${i + 1} ${issue.path.join(".")}: ${issue.message}.`, "cors_file");
  }
  const r = parsed.data;
  return {
    ...(r.id ? { ID: r.id } : {}),
    AllowedOrigins: r.allowed.origins,
    AllowedMethods: r.allowed.methods,
    ...(r.allowed.headers ? { AllowedHeaders: r.allowed.headers } : {}),
    ...(r.exposeHeaders ? { ExposeHeaders: r.exposeHeaders } : {}),
    ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
  };
}

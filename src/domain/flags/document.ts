import { z } from "zod";
import { FLAG_NAME, FLAG_NAME_RULE } from "./names.js";
import { userIdProblem } from "../../core/user-id.js";

/**
 * The flags contract (README "The flags contract"): one KV value holding
 * `{ "version": 1, "flags": { "<name>": { enabled, rollout, allow, deny, description?, updatedAt, updatedBy } } }`.
 * Objects are strict, so a misspelt field ("enabeld") is reported instead of silently meaning "off".
 */
const userIdList = z
  .array(
    z.string({ error: "must be a user id (a string)" }).superRefine((id, c) => {
      const problem = userIdProblem(id);
      if (problem) c.addIssue({ code: "custom", message: `user id ${JSON.stringify(id)} ${problem}` });
    }),
    { error: "must be an array of user ids" },
  )
  .superRefine((ids, c) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) c.addIssue({ code: "custom", path: [i], message: `user id ${JSON.stringify(id)} is listed twice; keep one` });
      seen.add(id);
    });
  });

const flagFields = {
  enabled: z.boolean({ error: "must be true or false" }),
  rollout: z
    .number({ error: "must be a whole number from 0 to 100" })
    .int("must be a whole number from 0 to 100")
    .min(0, "must be at least 0 (a percentage)")
    .max(100, "must be at most 100 (a percentage)"),
  allow: userIdList,
  deny: userIdList,
  description: z.string({ error: "must be a string" }).max(1000, "must be at most 1000 characters").optional(),
  updatedAt: z.iso.datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-12-01T19:40:00.000Z" }),
  updatedBy: z.string({ error: "must be a string (who changed the flag)" }).min(1, "must not be empty"),
};

export const flagSchema = z.strictObject(flagFields);

const flagName = z.string().regex(FLAG_NAME, FLAG_NAME_RULE);

export const documentSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1 (the only version of the flags contract)" }),
  flags: z.record(flagName, flagSchema, { error: "must be an object of flag name → flag" }),
});

/** What `flags set --file` takes: the stored shape, with updatedAt/updatedBy optional (kanvas stamps changed flags). */
export const fileDocumentSchema = z.strictObject({
  version: documentSchema.shape.version,
  flags: z.record(flagName, z.strictObject({ ...flagFields, updatedAt: flagFields.updatedAt.optional(), updatedBy: flagFields.updatedBy.optional() }), {
    error: "must be an object of flag name → flag",
  }),
});

export type Flag = z.infer<typeof flagSchema>;
export type FlagDocument = z.infer<typeof documentSchema>;
/** A flag on its way to being written: stamps are added by the write step. */
export type DraftFlag = Omit<Flag, "updatedAt" | "updatedBy"> & Partial<Pick<Flag, "updatedAt" | "updatedBy">>;
export interface DraftDocument {
  version: 1;
  flags: Record<string, DraftFlag>;
}

export const emptyDocument = (): FlagDocument => ({ version: 1, flags: {} });

/** A fresh flag: off, and at 100 % once enabled (rollout narrows it). */
export const newFlag = (): DraftFlag => ({ enabled: false, rollout: 100, allow: [], deny: [] });

export type Parsed<T> = { ok: true; doc: T } | { ok: false; field: string; problem: string };

/** JSON text → a validated document, or the first problem with the field it is in. */
export function parseDocument<T>(text: string, schema: z.ZodType<T>): Parsed<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, field: "(the whole document)", problem: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, doc: parsed.data };
  const issue = parsed.error.issues[0]!;
  let problem = issue.message;
  if (issue.code === "unrecognized_keys") problem = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (the contract has ${allowedFields(issue.path)})`;
  if (issue.code === "invalid_key") problem = `flag name ${JSON.stringify(issue.path.at(-1))}: ${FLAG_NAME_RULE}`;
  return { ok: false, field: formatPath(issue.path), problem };
}

function allowedFields(path: PropertyKey[]): string {
  return path.length === 0 ? "version, flags" : "enabled, rollout, allow, deny, description, updatedAt, updatedBy";
}

/** ["flags", "beta", "allow", 2] → flags.beta.allow[2]; odd names are quoted: flags["Beta Test"]. */
export function formatPath(path: PropertyKey[]): string {
  if (!path.length) return "(top level)";
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(p))) out += out ? `.${String(p)}` : String(p);
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/** The stored form: flags sorted by name and fields in contract order, so documents diff cleanly. */
export function serialiseDocument(doc: FlagDocument): string {
  const flags: Record<string, Flag> = {};
  for (const name of Object.keys(doc.flags).sort()) {
    const f = doc.flags[name]!;
    flags[name] = {
      enabled: f.enabled,
      rollout: f.rollout,
      allow: f.allow,
      deny: f.deny,
      ...(f.description !== undefined ? { description: f.description } : {}),
      updatedAt: f.updatedAt,
      updatedBy: f.updatedBy,
    };
  }
  return JSON.stringify({ version: 1, flags }, null, 2) + "\n";
}

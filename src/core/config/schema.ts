import { z } from "zod";

/** The part of wrangler's config kanvas reads. Unknown keys are wrangler's business and pass through. */
const name = z.string().min(1, "must not be empty");

export const d1BindingSchema = z.looseObject({
  binding: name,
  database_name: name.optional(),
  database_id: name.optional(),
  preview_database_id: name.optional(),
  migrations_dir: name.optional(),
  migrations_table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier (letters, digits, _)")
    .optional(),
});

export const r2BindingSchema = z.looseObject({
  binding: name,
  bucket_name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be 3-63 lowercase letters, digits or dashes")
    .optional(),
  preview_bucket_name: name.optional(),
  jurisdiction: z.enum(["eu", "fedramp"]).optional(),
});

export const kvBindingSchema = z.looseObject({
  binding: name,
  id: name.optional(),
  preview_id: name.optional(),
});

/** Keys wrangler does not inherit from the top level into [env.NAME]. */
export const environmentSchema = z.looseObject({
  account_id: z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character hex Cloudflare account id").optional(),
  d1_databases: z.array(d1BindingSchema).optional(),
  r2_buckets: z.array(r2BindingSchema).optional(),
  kv_namespaces: z.array(kvBindingSchema).optional(),
  vars: z.record(z.string(), z.unknown()).optional(),
});

export const wranglerConfigSchema = environmentSchema.extend({
  env: z.record(z.string(), environmentSchema).optional(),
});

export type WranglerEnvironment = z.infer<typeof environmentSchema>;
export type WranglerConfig = z.infer<typeof wranglerConfigSchema>;

/** Environment variables kanvas reads (wrangler's names where wrangler has one). */
export const credentialsSchema = z.object({
  CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
  CLOUDFLARE_ACCOUNT_ID: z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character hex Cloudflare account id").optional(),
  CLOUDFLARE_BASE_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://api.cloudflare.com/client/v4" }).optional(),
  R2_ACCESS_KEY_ID: z.string().min(1).optional(),
  R2_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  R2_ENDPOINT: z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://<account_id>.r2.cloudflarestorage.com" }).optional(),
});
export type CredentialsEnv = z.infer<typeof credentialsSchema>;

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { findConfigFile } from "./find.js";
import { parseConfigFile } from "./parse-file.js";
import { credentialsSchema, wranglerConfigSchema, type WranglerEnvironment } from "./schema.js";
import { BINDINGS, type Config } from "./types.js";

export interface LoadConfigOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configPath?: string;
  envName?: string;
  persistTo?: string;
}

/** wrangler.toml/json(c) + .env + environment → one validated Config. */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  const configPath = findConfigFile(opts.cwd, opts.configPath);
  const configDir = path.dirname(configPath);
  const fileName = path.basename(configPath);
  const raw = await parseConfigFile(configPath);

  const parsed = wranglerConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssue(fileName, parsed.error));
  const top = parsed.data;

  let section: WranglerEnvironment = top;
  let source = fileName;
  if (opts.envName) {
    const envSection = top.env?.[opts.envName];
    if (!envSection) {
      const known = Object.keys(top.env ?? {});
      throw new ConfigError(
        `--env ${opts.envName}: ${fileName} has no [env.${opts.envName}] section. ` +
          (known.length ? `Known environments: ${known.join(", ")}.` : `Add [env.${opts.envName}] to ${fileName}, or drop --env.`),
        "config_env_unknown",
      );
    }
    // Like wrangler: account_id is inherited; bindings and vars are not.
    section = { ...envSection, account_id: envSection.account_id ?? top.account_id };
    source = `${fileName} [env.${opts.envName}]`;
  }

  const { values: envVars, dotenvPath } = readEnvironment(configDir, opts.env);
  const creds = credentialsSchema.safeParse(pickCredentialVars(envVars));
  if (!creds.success) {
    const issue = creds.error.issues[0]!;
    throw new ConfigError(`environment variable ${String(issue.path[0])}: ${issue.message}.`, "config_env_var");
  }
  const c = creds.data;

  const d1 = section.d1_databases?.find((b) => b.binding === BINDINGS.d1);
  const r2 = section.r2_buckets?.find((b) => b.binding === BINDINGS.r2);
  const kv = section.kv_namespaces?.find((b) => b.binding === BINDINGS.kv);

  return {
    configPath,
    configDir,
    envName: opts.envName,
    source,
    accountId: c.CLOUDFLARE_ACCOUNT_ID ?? section.account_id,
    d1: d1 && {
      binding: d1.binding,
      databaseName: d1.database_name,
      databaseId: d1.database_id,
      previewDatabaseId: d1.preview_database_id,
      migrationsDir: path.resolve(configDir, d1.migrations_dir ?? "migrations"),
      migrationsTable: d1.migrations_table ?? "d1_migrations",
      localId: d1.preview_database_id ?? d1.database_id ?? d1.binding,
    },
    r2: r2 && {
      binding: r2.binding,
      bucketName: r2.bucket_name,
      previewBucketName: r2.preview_bucket_name,
      jurisdiction: r2.jurisdiction,
      localId: r2.bucket_name ?? r2.binding,
    },
    kv: kv && { binding: kv.binding, id: kv.id, previewId: kv.preview_id, localId: kv.id ?? kv.binding },
    vars: section.vars ?? {},
    persistTo: opts.persistTo ? path.resolve(opts.cwd, opts.persistTo) : path.join(configDir, ".wrangler", "state"),
    credentials: {
      apiToken: c.CLOUDFLARE_API_TOKEN,
      accountId: c.CLOUDFLARE_ACCOUNT_ID ?? section.account_id,
      r2AccessKeyId: c.R2_ACCESS_KEY_ID,
      r2SecretAccessKey: c.R2_SECRET_ACCESS_KEY,
    },
    endpoints: { apiBaseUrl: c.CLOUDFLARE_BASE_URL, r2Endpoint: c.R2_ENDPOINT },
    dotenvPath,
  };
}

/** The process environment wins over `.env` beside the config, as with wrangler. */
function readEnvironment(configDir: string, env: NodeJS.ProcessEnv): { values: NodeJS.ProcessEnv; dotenvPath?: string } {
  const dotenvPath = path.join(configDir, ".env");
  if (!existsSync(dotenvPath)) return { values: env };
  let fromFile: NodeJS.Dict<string>;
  try {
    fromFile = parseEnv(readFileSync(dotenvPath, "utf8"));
  } catch (error) {
    throw new ConfigError(`.env: cannot read it (${(error as Error).message}). Fix or remove ${dotenvPath}.`, "config_env_file");
  }
  return { values: { ...fromFile, ...env }, dotenvPath };
}

function pickCredentialVars(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const keys = Object.keys(credentialsSchema.shape);
  // An empty variable means "not set" (CI systems often export unset secrets as "").
  return Object.fromEntries(keys.map((k) => [k, env[k] === "" ? undefined : env[k]]));
}

/** One line: file, field, what is wrong, and how to fix it. */
function describeIssue(fileName: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.length ? formatPath(issue.path) : "(top level)";
  const fix = fixFor(issue.path);
  return `${fileName}: ${field}: ${issue.message}.${fix ? ` ${fix}` : ""}`;
}

function formatPath(parts: PropertyKey[]): string {
  let out = "";
  for (const p of parts) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function fixFor(parts: PropertyKey[]): string {
  const last = parts.at(-1);
  if (last === "binding") return 'Give each binding a name, e.g. binding = "KANVAS_DB".';
  if (last === "account_id") return "Copy it from the Cloudflare dashboard (Account ID), or set CLOUDFLARE_ACCOUNT_ID.";
  if (parts.includes("d1_databases")) return "See https://developers.cloudflare.com/d1/ for the [[d1_databases]] fields.";
  if (parts.includes("r2_buckets")) return "See https://developers.cloudflare.com/r2/ for the [[r2_buckets]] fields.";
  if (parts.includes("kv_namespaces")) return "See https://developers.cloudflare.com/kv/ for the [[kv_namespaces]] fields.";
  return "";
}

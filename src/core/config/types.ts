export const BINDINGS = { d1: "KANVAS_DB", r2: "KANVAS_IMAGES", kv: "KANVAS_CACHE" } as const;

export interface D1Config {
  binding: string;
  databaseName?: string;
  databaseId?: string;
  previewDatabaseId?: string;
  /** Absolute path (relative paths in the config are relative to the config file). */
  migrationsDir: string;
  migrationsTable: string;
  /** The id wrangler uses for this database under .wrangler/state/v3/d1. */
  localId: string;
}

export interface R2Config {
  binding: string;
  bucketName?: string;
  previewBucketName?: string;
  jurisdiction?: string;
  /** The bucket name wrangler uses under .wrangler/state/v3/r2. */
  localId: string;
}

export interface KvConfig {
  binding: string;
  id?: string;
  previewId?: string;
  /** The namespace id wrangler uses under .wrangler/state/v3/kv. */
  localId: string;
}

export interface Credentials {
  apiToken?: string;
  accountId?: string;
  r2AccessKeyId?: string;
  r2SecretAccessKey?: string;
}

export interface Config {
  configPath: string;
  configDir: string;
  envName?: string;
  /** CLOUDFLARE_ACCOUNT_ID, else account_id from the config. */
  accountId?: string;
  /** Where each binding came from, for error messages ("wrangler.toml [env.staging]"). */
  source: string;
  d1?: D1Config;
  r2?: R2Config;
  kv?: KvConfig;
  vars: Record<string, unknown>;
  /** wrangler's persist folder (its `--persist-to`); Miniflare state lives in `<persistTo>/v3`. */
  persistTo: string;
  credentials: Credentials;
  endpoints: { apiBaseUrl?: string; r2Endpoint?: string };
  /** Where .env was read from, if it existed. */
  dotenvPath?: string;
}

/**
 * The one way tests write a wrangler.toml. With no options it is the Kanvas app's config (as at
 * the repo root); each binding can be changed, given ids, or left out (`false`).
 *
 *   wranglerToml()                                                  // the app's config
 *   wranglerToml({ d1: { databaseId: db.uuid } })                   // pointed at a fake D1
 *   wranglerToml({ d1: { databaseId }, kv: false, vars: false })    // D1 + R2 only
 */

/** The app's `KANVAS_RATE_LIMITS` var (JSON: action → per-hour limit). */
export const APP_RATE_LIMITS = '{"draw": 600, "upload": 60, "create_room": 20, "invite": 100}';

export interface D1Binding {
  binding?: string;
  /** null leaves the line out */
  databaseName?: string | null;
  databaseId?: string;
  /** null leaves the line out (kanvas then uses wrangler's default, "migrations") */
  migrationsDir?: string | null;
  migrationsTable?: string;
}

export interface R2Binding {
  binding?: string;
  bucketName?: string;
}

export interface KvBinding {
  binding?: string;
  id?: string;
}

export interface WranglerConfig {
  name?: string;
  /** null leaves the line out */
  compatibilityDate?: string | null;
  accountId?: string;
  d1?: D1Binding | false;
  r2?: R2Binding | false;
  kv?: KvBinding | false;
  /** KANVAS_RATE_LIMITS under [vars]; false leaves [vars] out */
  rateLimits?: string | false;
  /** raw TOML appended at the end (e.g. `[env.staging]` tables) */
  extra?: string;
}

const str = (s: string) => JSON.stringify(s);

/** A wrangler.toml for a temp project (see the examples above). */
export function wranglerToml(c: WranglerConfig = {}): string {
  const lines = [`name = ${str(c.name ?? "kanvas")}`];
  if (c.compatibilityDate !== null) lines.push(`compatibility_date = ${str(c.compatibilityDate ?? "2026-04-01")}`);
  if (c.accountId !== undefined) lines.push(`account_id = ${str(c.accountId)}`);
  if (c.d1 !== false) {
    const d = c.d1 ?? {};
    lines.push("", "[[d1_databases]]", `binding = ${str(d.binding ?? "KANVAS_DB")}`);
    if (d.databaseName !== null) lines.push(`database_name = ${str(d.databaseName ?? "kanvas-db")}`);
    if (d.databaseId !== undefined) lines.push(`database_id = ${str(d.databaseId)}`);
    if (d.migrationsDir !== null) lines.push(`migrations_dir = ${str(d.migrationsDir ?? "migrations")}`);
    if (d.migrationsTable !== undefined) lines.push(`migrations_table = ${str(d.migrationsTable)}`);
  }
  if (c.r2 !== false) {
    const r = c.r2 ?? {};
    lines.push("", "[[r2_buckets]]", `binding = ${str(r.binding ?? "KANVAS_IMAGES")}`, `bucket_name = ${str(r.bucketName ?? "kanvas-images")}`);
  }
  if (c.kv !== false) {
    const k = c.kv ?? {};
    lines.push("", "[[kv_namespaces]]", `binding = ${str(k.binding ?? "KANVAS_CACHE")}`);
    if (k.id !== undefined) lines.push(`id = ${str(k.id)}`);
  }
  if (c.rateLimits !== false) lines.push("", "[vars]", `KANVAS_RATE_LIMITS = '${c.rateLimits ?? APP_RATE_LIMITS}'`);
  return lines.join("\n") + "\n" + (c.extra ?? "");
}

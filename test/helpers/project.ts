import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** The Kanvas app's config, as at the repo root, for a temp project. */
export const APP_WRANGLER_TOML = `name = "kanvas"
compatibility_date = "2026-04-01"

[[d1_databases]]
binding = "KANVAS_DB"
database_name = "kanvas-db"
migrations_dir = "migrations"

[[r2_buckets]]
binding = "KANVAS_IMAGES"
bucket_name = "kanvas-images"

[[kv_namespaces]]
binding = "KANVAS_CACHE"

[vars]
KANVAS_RATE_LIMITS = '{"draw": 600, "upload": 60, "create_room": 20, "invite": 100}'
`;

export interface TempProject {
  dir: string;
  file(rel: string): string;
  write(rel: string, content: string | Uint8Array): string;
}

/**
 * A fresh folder for one test, removed when the test ends. By default it holds the app's
 * wrangler.toml and a copy of the Kanvas migrations in ./migrations.
 */
export function tempProject(opts: { wrangler?: string | null; files?: Record<string, string>; migrations?: boolean } = {}): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-test-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const write = (rel: string, content: string | Uint8Array) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  if (opts.wrangler !== null) write("wrangler.toml", opts.wrangler ?? APP_WRANGLER_TOML);
  if (opts.migrations ?? true) cpSync(path.join(REPO_ROOT, "src/migrations"), path.join(dir, "migrations"), { recursive: true });
  for (const [rel, content] of Object.entries(opts.files ?? {})) write(rel, content);
  return { dir, file: (rel) => path.join(dir, rel), write };
}

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";
import { wranglerToml } from "./wrangler-config.js";

export { wranglerToml, type WranglerConfig } from "./wrangler-config.js";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** The Kanvas app's config, as at the repo root, for a temp project (wrangler-config.ts builds it). */
export const APP_WRANGLER_TOML = wranglerToml();

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

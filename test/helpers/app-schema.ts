/**
 * The Kanvas schema (users, rooms, room_participants, assets) for a fake D1 database, taken from
 * the real migrations that drizzle-kit generates (src/migrations), so a schema change reaches the
 * tests instead of a hand-typed copy of the `assets` table.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../src/migrations");

/** Every statement of every migration, in file order (drizzle's `--> statement-breakpoint` splits them). */
export function appSchemaStatements(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(path.join(MIGRATIONS_DIR, f), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Creates the app's tables in a database through `exec` (e.g. the fake API's `cf.d1.exec`). */
export function createAppSchema(exec: (sql: string) => unknown): void {
  for (const sql of appSchemaStatements()) exec(sql);
}

/**
 * Migration files: `*.sql` directly in migrations_dir (drizzle-kit's meta/ folder is ignored),
 * ordered as wrangler orders them: by leading number, then by name.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/errors.js";

export interface MigrationFile {
  name: string;
  number: number;
  path: string;
}

export function listMigrationFiles(dir: string, displayDir: string): MigrationFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a folder");
    names = readdirSync(dir).filter((n) => n.endsWith(".sql"));
  } catch {
    throw new UsageError(
      `Migrations folder ${displayDir} does not exist. Create the first migration with 'kanvas db migrate create <name>' (or 'npm run db:generate'), or set migrations_dir in the [[d1_databases]] entry.`,
      "migrations_missing",
    );
  }
  const files: MigrationFile[] = [];
  for (const name of names) {
    const m = /^(\d+)/.exec(name);
    if (!m) {
      throw new UsageError(`${path.join(displayDir, name)}: a migration's name must start with its number (e.g. 0001_${name}); rename it.`, "migration_unnumbered");
    }
    files.push({ name, number: Number.parseInt(m[1]!, 10), path: path.join(dir, name) });
  }
  files.sort((a, b) => a.number - b.number || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.number === files[i - 1]!.number) {
      throw new UsageError(
        `${files[i - 1]!.name} and ${files[i]!.name} in ${displayDir} have the same number ${files[i]!.number}; renumber one (kanvas db migrate create picks the next free number).`,
        "migration_duplicate_number",
      );
    }
  }
  return files;
}

/** Throws when the folder holds no migration at all. */
export function requireSomeMigrations(files: MigrationFile[], displayDir: string): void {
  if (files.length === 0) {
    throw new UsageError(
      `No migrations in ${displayDir} (no *.sql files). Create one with 'kanvas db migrate create <name>' or 'npm run db:generate'.`,
      "migrations_empty",
    );
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The file's text; a file that is not UTF-8 is refused (SQLite would store mojibake). */
export function readMigrationText(file: MigrationFile, bytes = readFileSync(file.path)): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${file.name} is not valid UTF-8 text. Re-save it as UTF-8 and run again.`, "migration_not_utf8");
  }
}

/**
 * The plan: every migration's status (applied, pending, drifted, missing) from the files and the
 * bookkeeping tables, and for pending ones the statements that will run. Pure: no I/O but reading files.
 */
import { readFileSync } from "node:fs";
import { LimitError, UsageError } from "../../core/errors.js";
import type { BookkeepingState } from "./bookkeeping.js";
import { migrationChecksum } from "./checksum.js";
import { destructiveReason, isTransactionControl } from "../../clients/sql-classify.js";
import { readMigrationText, type MigrationFile } from "./files.js";
import { splitSql } from "./split.js";

/** D1's limit on one SQL statement. */
export const D1_MAX_STATEMENT_BYTES = 100_000;

export type MigrationState = "applied" | "pending" | "drifted" | "missing";

export interface MigrationEntry {
  name: string;
  state: MigrationState;
  file?: MigrationFile;
  appliedAt?: string;
  /** Today's file checksum (absent when missing). */
  checksum?: string;
  /** Applied without a recorded checksum (by wrangler): adopt today's. */
  adopt?: boolean;
  /** A pending file that sorts before an applied one. */
  outOfOrder?: boolean;
}

export interface PlannedStatement {
  sql: string;
  line: number;
  destructive?: string;
}

export interface PendingMigration {
  name: string;
  file: MigrationFile;
  checksum: string;
  bytes: number;
  statements: PlannedStatement[];
  /** BEGIN/COMMIT lines dropped (D1 runs each batch as one transaction itself). */
  dropped: string[];
}

export function buildStatus(files: MigrationFile[], state: BookkeepingState): MigrationEntry[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const appliedNames = new Set(state.applied.map((r) => r.name));
  const entries: MigrationEntry[] = [];
  let lastAppliedIndex = -1;
  files.forEach((f, i) => {
    if (appliedNames.has(f.name)) lastAppliedIndex = i;
  });
  files.forEach((f, i) => {
    const checksum = migrationChecksum(readFileSync(f.path));
    const row = state.applied.find((r) => r.name === f.name);
    if (!row) {
      entries.push({ name: f.name, state: "pending", file: f, checksum, ...(i < lastAppliedIndex ? { outOfOrder: true } : {}) });
      return;
    }
    const recorded = state.checksums.get(f.name);
    if (recorded === undefined) entries.push({ name: f.name, state: "applied", file: f, appliedAt: row.applied_at, checksum, adopt: true });
    else entries.push({ name: f.name, state: recorded === checksum ? "applied" : "drifted", file: f, appliedAt: row.applied_at, checksum });
  });
  for (const row of state.applied) {
    if (!byName.has(row.name)) entries.push({ name: row.name, state: "missing", appliedAt: row.applied_at });
  }
  return entries;
}

/** Reads and splits one pending file; every problem is refused here, before anything is sent. */
export function preparePending(entry: MigrationEntry, displayDir: string): PendingMigration {
  const file = entry.file!;
  const bytes = readFileSync(file.path);
  const text = readMigrationText(file, bytes);
  const statements: PlannedStatement[] = [];
  const dropped: string[] = [];
  for (const s of splitSql(text)) {
    if (isTransactionControl(s.sql)) {
      dropped.push(s.sql.split(/\s+/).slice(0, 2).join(" "));
      continue;
    }
    const size = Buffer.byteLength(s.sql, "utf8");
    if (size > D1_MAX_STATEMENT_BYTES) {
      throw new LimitError(
        `${file.name} line ${s.line}: a statement of ${size.toLocaleString("en-US")} bytes is over D1's limit of ${D1_MAX_STATEMENT_BYTES.toLocaleString("en-US")} bytes per statement; split it (e.g. one INSERT per batch of rows). Nothing was applied.`,
        "d1_statement_too_large",
      );
    }
    const destructive = destructiveReason(s.sql);
    statements.push({ sql: s.sql, line: s.line, ...(destructive ? { destructive } : {}) });
  }
  if (statements.length === 0) {
    throw new UsageError(`${displayDir}/${file.name} has no SQL statements. Add the migration's SQL, or delete the file if it is not needed.`, "migration_empty");
  }
  return { name: file.name, file, checksum: entry.checksum!, bytes: bytes.length, statements, dropped };
}

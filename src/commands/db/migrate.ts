import path from "node:path";
import type { D1Client, D1Statement } from "../../clients/d1.js";
import { requireD1 } from "../../core/config/require.js";
import type { Context } from "../../context.js";
import { InterruptedError, UsageError } from "../../core/errors.js";
import { formatDuration } from "../../core/duration.js";
import { applyMigration, oneLine } from "../../domain/migrate/apply.js";
import { acceptChecksumStatement, adoptStatement, checkTableName, ensureTablesStatements, parseState, readState, readStatements } from "../../domain/migrate/bookkeeping.js";
import { checkDrift, checkOrder } from "../../domain/migrate/checks.js";
import { listMigrationFiles, requireSomeMigrations } from "../../domain/migrate/files.js";
import { forceUnlockMigrations, takeMigrationLock } from "../../domain/migrate/lock.js";
import { buildStatus, preparePending, type MigrationEntry, type PendingMigration } from "../../domain/migrate/plan.js";
import { defineCommand, type CommandResult } from "../define.js";
import { bool, duration } from "../spec/flag.js";
import { dryRun as dryRunFlag, target, yes } from "../spec/shared.js";

/** A crashed run's lock frees itself after this; a live run refreshes it with every migration. */
const LOCK_TTL_MS = 10 * 60_000;

export default defineCommand({
  description: "apply pending migrations (checksums, lock, Time Travel bookmark)",
  examples: [
    "kanvas db migrate",
    "kanvas db migrate --dry-run",
    "kanvas db migrate --remote --env production",
    "kanvas db migrate --remote --allow-destructive --lock-timeout 5m",
  ],
  notes: [
    "Files: *.sql in the binding's migrations_dir, ordered by leading number (as wrangler does); applied ones are recorded in wrangler's d1_migrations table.",
    "Each migration runs as one unit (its statements and bookkeeping rows in one batch): all or nothing.",
    "Exit codes: 0 applied or nothing to do; 2 bad input or destructive without --allow-destructive; 5 drift, out of order, or lock held; 1 a statement failed.",
  ].join("\n"),
  flags: {
    allowDrift: bool("go on when an applied file changed or vanished (records the new checksum)"),
    allowOutOfOrder: bool("apply pending files that sort before an applied one"),
    allowDestructive: bool("apply DROP TABLE / DROP COLUMN / DELETE or UPDATE without WHERE without asking (--yes does the same)"),
    lockTimeout: duration("how long to wait for another run's lock, e.g. 30s, 5m", { default: "60s", units: "smh" }),
    forceUnlock: bool("remove a stuck migration lock, then exit"),
    ...target,
    ...yes,
    ...dryRunFlag,
  },
  access: "write",
  async run(input, ctx) {
    const config = await ctx.config();
    const d1cfg = requireD1(config);
    const table = checkTableName(d1cfg.migrationsTable);
    const lockTimeoutMs = input.lockTimeout.ms;
    const displayDir = path.relative(ctx.io.cwd, d1cfg.migrationsDir) || ".";
    if (input.forceUnlock) return unlock(ctx, await ctx.d1(), input.dryRun === true);

    // Bad files are refused before Miniflare starts or the API is called.
    const files = listMigrationFiles(d1cfg.migrationsDir, displayDir);
    requireSomeMigrations(files, displayDir);
    const d1 = await ctx.d1();
    const warn = (line: string) => ctx.out.warn(line);

    let entries = buildStatus(files, await readState(d1, table));
    checkDrift(entries, input.allowDrift === true, warn);
    checkOrder(entries, input.allowOutOfOrder === true, warn);
    // Every pending file is read, split and checked before anything is written.
    const prepared = entries.filter((e) => e.state === "pending").map((e) => preparePending(e, displayDir));
    for (const m of prepared) {
      if (m.dropped.length) ctx.out.info(`note: ${m.name}: dropped ${m.dropped.join(", ")} (D1 runs each migration as one transaction itself).`);
    }

    if (input.dryRun) return dryRun(ctx, prepared, entries);

    const bookkeeping = bookkeepingFixes(table, entries, input.allowDrift === true);
    if (prepared.length === 0) {
      // wrangler may have applied everything: the side table may not exist yet.
      if (bookkeeping.length) await d1.batch([...ensureTablesStatements(table), ...bookkeeping]);
      const applied = entries.filter((e) => e.state !== "missing").length;
      return { data: { applied: [], pending: [], bookmark: null }, human: () => ctx.out.println(`Nothing to do: all ${applied} migration(s) in ${displayDir} are applied.`) };
    }

    printPlan(ctx, prepared);
    // --yes answers the one question migrate asks (apply destructive statements?), as the README says.
    await confirmDestructive(ctx, prepared, input.allowDestructive === true || input.yes === true);

    // The bookmark is taken before anything is written (even the lock row), so restoring it gives
    // back exactly the database as it was before this run.
    const timeTravel = ctx.timeTravelIfAny();
    let bookmark: string | null = timeTravel ? await timeTravel.bookmark() : null;
    const { lock, read: lockResults } = await takeMigrationLock(d1, {
      ttlMs: LOCK_TTL_MS,
      timeoutMs: lockTimeoutMs,
      now: ctx.now,
      signal: ctx.signal,
      command: ctx.command,
      info: (line) => ctx.out.info(line),
      before: ensureTablesStatements(table),
      after: readStatements(table),
    });
    const holder = lock.holder;
    const done: Array<{ name: string; ms: number; via: string }> = [];
    // From here a failure is audited (error, or interrupted after Ctrl-C) with what was applied so far.
    const auditPlan = () => ({ counts: { applied: done.length, pending: prepared.length - done.length }, details: { migrations: done.map((d) => d.name), bookmark } });
    ctx.auditing(auditPlan());
    try {
      // Re-read under the lock: another run may have applied some of them meanwhile.
      entries = buildStatus(files, parseState(lockResults[0]!, lockResults[1]!));
      checkDrift(entries, input.allowDrift === true, () => undefined);
      const stillPending = new Set(entries.filter((e) => e.state === "pending").map((e) => e.name));
      const todo = prepared.filter((m) => stillPending.has(m.name));
      if (todo.length < prepared.length) ctx.out.info(`${prepared.length - todo.length} of them were applied by another run meanwhile.`);

      if (todo.length < prepared.length && timeTravel) bookmark = null; // another run changed it in between: no clean undo point
      ctx.auditing(auditPlan());
      if (bookmark && todo.length) {
        const env = config.envName ? ` --env ${config.envName}` : "";
        ctx.out.info(`Time Travel bookmark before this migration: ${bookmark}`);
        ctx.out.info(`  to undo: kanvas db restore --bookmark ${bookmark} --remote${env}`);
      }

      let extra: D1Statement[] = bookkeepingFixes(table, entries, input.allowDrift === true);
      for (const m of todo) {
        if (ctx.signal.aborted) throw new InterruptedError(`Interrupted: ${done.length} of ${todo.length} migration(s) applied, the rest are pending; the database is consistent. Run kanvas db migrate again to continue.`);
        const r = await applyMigration(m, { d1, importer: await ctx.d1Import(), table, holder, lockTtlMs: LOCK_TTL_MS, now: ctx.now, extra, appliedBefore: done.length });
        extra = [];
        done.push({ name: m.name, ms: r.ms, via: r.via });
        ctx.auditing(auditPlan());
        const note = [r.via === "import" ? "import API" : "", r.recovered ? "connection dropped; the migrations table confirms it landed" : ""].filter(Boolean).join("; ");
        ctx.out.info(`${ctx.out.paint("green", "✔")} ${m.name} ${ctx.out.paint("dim", `(${r.ms} ms${note ? `, ${note}` : ""})`)}`);
      }
      const total = done.reduce((s, d) => s + d.ms, 0);
      return {
        data: { applied: done, pending: [], bookmark },
        // A run that found everything applied by another one meanwhile changed nothing: no line.
        audit: done.length ? auditPlan() : undefined,
        human: () => ctx.out.println(`Applied ${done.length} migration(s) to the ${ctx.target} database in ${total < 1000 ? `${total} ms` : formatDuration(total)}.`),
      };
    } finally {
      await lock.release().catch(() => ctx.out.warn(`could not release the migration lock (${holder}); it expires by itself within ${formatDuration(LOCK_TTL_MS)}, or run kanvas db migrate --force-unlock.`));
    }
  },
});

/** Checksums to adopt (wrangler-applied) and, with --allow-drift, to accept. */
function bookkeepingFixes(table: string, entries: MigrationEntry[], allowDrift: boolean): D1Statement[] {
  const out: D1Statement[] = [];
  for (const e of entries) {
    if (e.adopt && e.checksum) out.push(adoptStatement(table, e.name, e.checksum));
    if (allowDrift && e.state === "drifted" && e.checksum) out.push(acceptChecksumStatement(e.name, e.checksum));
  }
  return out;
}

function printPlan(ctx: Context, prepared: PendingMigration[]): void {
  ctx.out.info(`${prepared.length} pending migration(s):`);
  for (const m of prepared) {
    const destructive = m.statements.filter((s) => s.destructive).map((s) => s.destructive);
    const flag = destructive.length ? ctx.out.paint("yellow", `  destructive: ${destructive.join(", ")}`) : "";
    ctx.out.info(`  ${m.name}  ${m.statements.length} statement(s)${flag}`);
  }
}

async function confirmDestructive(ctx: Context, prepared: PendingMigration[], allow: boolean): Promise<void> {
  const flagged = prepared.flatMap((m) => m.statements.filter((s) => s.destructive).map((s) => `${m.name}: ${s.destructive}`));
  if (flagged.length === 0 || allow) return;
  if (!ctx.interactive) {
    throw new UsageError(
      `Destructive statement(s) pending (${flagged.join("; ")}): refusing without --allow-destructive (or --yes), as no one is at a terminal to confirm. Check with --dry-run, then re-run with --allow-destructive.`,
      "destructive_not_allowed",
    );
  }
  const ok = await ctx.confirm(`Apply ${flagged.length} destructive statement(s) to the ${ctx.target} database?`, { what: "destructive migration" });
  if (!ok) throw new InterruptedError("Not applied; nothing was changed.");
}

async function unlock(ctx: Context, d1: D1Client, dryRun: boolean): Promise<CommandResult> {
  const row = await forceUnlockMigrations(d1, dryRun);
  return {
    data: { removed: row ?? null, dryRun },
    human: () => ctx.out.println(row ? `${dryRun ? "Would remove" : "Removed"} the migration lock held by ${row.holder} since ${new Date(row.acquired_at).toISOString()}.` : "No migration lock is held."),
  };
}

/** Like every destructive command's dry run: the plan, and one audit line saying what would have been applied. */
function dryRun(ctx: Context, prepared: PendingMigration[], entries: MigrationEntry[]): CommandResult {
  const plan = prepared.map((m) => ({
    name: m.name,
    statements: m.statements.map((s) => ({ line: s.line, sql: s.sql, ...(s.destructive ? { destructive: s.destructive } : {}) })),
  }));
  const pending = prepared.map((m) => m.name);
  const human = () => {
    if (!prepared.length) {
      ctx.out.println(`Nothing to do: all ${entries.filter((e) => e.state !== "missing").length} migration(s) are applied.`);
      return;
    }
    ctx.out.println(`Would apply ${prepared.length} migration(s) to the ${ctx.target} database (dry run: nothing changed):`);
    for (const m of plan) {
      ctx.out.println(`${m.name}`);
      for (const s of m.statements) {
        const mark = s.destructive ? ctx.out.paint("yellow", `  [destructive: ${s.destructive}]`) : "";
        ctx.out.println(`  ${String(s.line).padStart(4)}  ${oneLine(s.sql, 100)}${mark}`);
      }
    }
  };
  return {
    data: { dryRun: true, applied: [], pending, bookmark: null, plan },
    audit: { outcome: "dry-run", counts: { applied: 0, pending: pending.length }, details: { migrations: pending } },
    human,
  };
}

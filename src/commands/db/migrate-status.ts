import path from "node:path";
import { requireD1 } from "../../core/config/require.js";
import { ExitCode } from "../../core/errors.js";
import { checkTableName, readState } from "../../domain/migrate/bookkeeping.js";
import { listMigrationFiles } from "../../domain/migrate/files.js";
import { buildStatus } from "../../domain/migrate/plan.js";
import { sqliteUtcToIso } from "../../core/time.js";
import { defineCommand } from "../define.js";
import { bool } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "list every migration as applied, pending, drifted or missing",
  examples: ["kanvas db migrate status", "kanvas db migrate status --remote --check", "kanvas db migrate status --json"],
  notes:
    "applied: recorded and unchanged; pending: not applied yet; drifted: applied but the file changed since; missing: applied but the file is gone.\n--check exits 5 when anything is pending, drifted or missing (a CI gate). Reads only; creates nothing.",
  flags: { check: bool("exit 5 unless every migration is applied and unchanged"), ...target },
  access: "read",
  async run(input, ctx) {
    const config = await ctx.config();
    const d1cfg = requireD1(config);
    const table = checkTableName(d1cfg.migrationsTable);
    const displayDir = path.relative(ctx.io.cwd, d1cfg.migrationsDir) || ".";
    const files = listMigrationFiles(d1cfg.migrationsDir, displayDir);
    const d1 = await ctx.d1();
    const entries = buildStatus(files, await readState(d1, table));
    const rows = entries.map((e) => ({
      name: e.name,
      state: e.state,
      applied_at: e.appliedAt ? sqliteUtcToIso(e.appliedAt) : null,
      ...(e.outOfOrder ? { out_of_order: true } : {}),
      ...(e.adopt ? { checksum_recorded: false } : {}),
    }));
    const count = (s: string) => rows.filter((r) => r.state === s).length;
    const summary = { applied: count("applied"), pending: count("pending"), drifted: count("drifted"), missing: count("missing") };
    const human = () => {
      if (!rows.length) ctx.out.println(`No migrations in ${displayDir}.`);
      else
        ctx.out.table(
          ["migration", "state", "applied at"],
          rows.map((r) => [r.name, paintState(r.state, ctx.out.paint.bind(ctx.out)) + ("out_of_order" in r ? " (out of order)" : ""), r.applied_at ?? ""]),
        );
      ctx.out.println(`${summary.applied} applied, ${summary.pending} pending, ${summary.drifted} drifted, ${summary.missing} missing (${ctx.target}).`);
    };
    const unsettled = summary.pending + summary.drifted + summary.missing > 0;
    return { data: { migrations: rows, summary }, human, exitCode: input.check && unsettled ? ExitCode.conflict : ExitCode.ok };
  },
});

function paintState(state: string, paint: (c: "green" | "yellow" | "red", t: string) => string): string {
  if (state === "applied") return paint("green", state);
  if (state === "pending") return paint("yellow", state);
  return paint("red", state);
}

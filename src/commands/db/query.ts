import { readFileSync } from "node:fs";
import path from "node:path";
import type { D1Meta, D1RawStream } from "../../clients/d1.js";
import type { Context } from "../../context.js";
import { ChunkedWriter } from "../../domain/d1/chunked-writer.js";
import { placeholderCount } from "../../domain/d1/placeholders.js";
import { renderRows, type RowFormat } from "../../domain/d1/render-rows.js";
import { CloudflareServiceError, InterruptedError, LimitError, UsageError } from "../../core/errors.js";
import { oneLine } from "../../domain/migrate/apply.js";
import { isReadOnly } from "../../clients/sql-classify.js";
import { D1_MAX_STATEMENT_BYTES } from "../../domain/migrate/plan.js";
import { splitSql } from "../../domain/migrate/split.js";
import { requireTargetForWriteInCI } from "../../core/target.js";
import { defineCommand, type CommandResult } from "../define.js";
import { bool, list, text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "run SQL and print the rows",
  examples: [
    'kanvas db query "SELECT id, email FROM users LIMIT 10"',
    'kanvas db query "SELECT * FROM rooms WHERE owner_id = ?" --param u_123 --json',
    "kanvas db query --file report.sql --csv > report.csv",
    'kanvas db query "DELETE FROM assets WHERE user_id = ?" --param u_9 --remote --yes',
    "kanvas db query --file cleanup.sql --dry-run",
    'kanvas db query "SELECT * FROM assets WHERE r2_key > ? ORDER BY r2_key LIMIT 10000" --param "<last key of the previous page>" --ndjson',
  ],
  notes: [
    "--param values are bound to ? in order (never spliced into the SQL); a value that is a plain number (5, -2, 1.5) binds as a number, anything else as text. The count must match the SQL's placeholders.",
    "Several statements (a file) run as one batch: all or nothing. --json prints the rows of a single statement, or [{sql, results}] for several; --csv prints every result set, each after a `-- <sql>` line.",
    "--dry-run prints each statement and whether it writes, and sends nothing.",
    "Columns keep their order and repeated names (D1's raw form); in JSON a repeated name gets SQLite's suffix (a, a:1).",
    "Large results: D1 returns a result whole (there is no cursor), so the rows are held once, by workerd locally or by kanvas remotely, and written out row by row as they are rendered. For very large reads, dump with `kanvas db export`, or read in pages with LIMIT and a keyset (the last example: repeat with the last r2_key printed until no rows come back).",
    "Against --remote, SQL that writes asks first at a terminal and needs --yes elsewhere. In CI, read-only SQL runs on the default (local) target; SQL that writes needs --local or --remote. Rows read/written and the duration go to stderr.",
    "Exit codes: 0 ok; 1 SQL error (D1's message and the statement are shown); 2 bad input; 4 database not found.",
  ].join("\n"),
  args: { sql: text("the SQL to run (or use --file)") },
  flags: {
    file: text("read the SQL from a file", { placeholder: "<path>" }),
    param: list("a value bound to the next ? (repeat for more)"),
    csv: bool("print CSV (header row first; every result set)"),
    ndjson: bool("print one JSON object per row, written as it is read"),
    ...target,
    ...yes,
    ...dryRun,
  },
  // Reads run on the default target even in CI; writing SQL is checked in run() (requireTargetForWriteInCI).
  access: "read",
  check(v, fail) {
    if ((v.sql === undefined) === (v.file === undefined)) fail("sql", 'give the SQL either as an argument or with --file, e.g. kanvas db query "SELECT 1"');
    if (v.csv && v.ndjson) fail("csv", "pick one of --csv and --ndjson");
  },
  async run(input, ctx) {
    if (ctx.out.json && (input.csv || input.ndjson)) {
      throw new UsageError(`pick one of --json and ${input.csv ? "--csv" : "--ndjson"}: each is an output format.`, "query_format_conflict");
    }
    const text = input.file !== undefined ? readSqlFile(ctx, input.file) : input.sql!;
    const statements = splitSql(text).map((s) => s.sql);
    if (statements.length === 0) throw new UsageError(`${input.file ?? "the SQL"} has no statement to run; give a statement such as "SELECT 1".`, "query_empty");
    for (const s of statements) {
      const size = Buffer.byteLength(s, "utf8");
      if (size > D1_MAX_STATEMENT_BYTES) {
        throw new LimitError(`a statement of ${size.toLocaleString("en-US")} bytes is over D1's limit of ${D1_MAX_STATEMENT_BYTES.toLocaleString("en-US")} bytes; split it.`, "d1_statement_too_large");
      }
    }
    const params = input.param.map(toParam);
    if (params.length && statements.length > 1) {
      throw new UsageError(`--param binds to a single statement, but the SQL has ${statements.length}; run them one at a time.`, "query_params_multi");
    }
    checkParamCount(statements, params.length);

    const writes = statements.filter((s) => !isReadOnly(s));
    if (input.dryRun) return dryRunPlan(ctx, statements);
    if (writes.length) requireTargetForWriteInCI(ctx.globals, ctx.io.env, ctx.command);

    const d1 = await ctx.d1();
    if (writes.length && ctx.target === "remote") {
      const ok = await ctx.confirm(`Run ${writes.length} statement(s) that write to the remote database (${oneLine(writes[0]!, 60)})?`, {
        yes: input.yes,
        what: "db query: SQL that writes to the remote database",
      });
      if (!ok) throw new InterruptedError("Not run; nothing was changed.");
    }

    let stream: D1RawStream;
    try {
      stream = await d1.raw(statements.map((sql) => ({ sql, params })));
    } catch (error) {
      throw withStatement(error, statements);
    }
    printMeta(ctx, stream.results.map((r) => r.meta));
    const format: RowFormat = input.ndjson ? "ndjson" : input.csv ? "csv" : ctx.out.json ? "json" : "table";
    await renderRows(
      stream,
      {
        format,
        labels: statements,
        bold: (t) => ctx.out.paint("bold", t),
        dim: (t) => ctx.out.paint("dim", t),
        warn: (line) => ctx.out.warn(line),
        signal: ctx.signal,
      },
      new ChunkedWriter(ctx.io.stdout, (t) => ctx.out.redactor.redact(t)),
    );
  },
});

/** Refused before anything is sent: SQLite's own message ("column index out of range") names neither count. */
function checkParamCount(statements: string[], given: number): void {
  if (statements.length === 1) {
    const wanted = placeholderCount(statements[0]!);
    if (wanted === given) return;
    const values = `${given} --param value${given === 1 ? " was" : "s were"} given`;
    throw new UsageError(
      `the SQL has ${wanted} placeholder${wanted === 1 ? "" : "s"} (?) but ${values}; give one --param per ?.`,
      "query_param_count",
    );
  }
  statements.forEach((sql, i) => {
    const wanted = placeholderCount(sql);
    if (wanted > 0) {
      throw new UsageError(
        `statement ${i + 1} of ${statements.length} has ${wanted} placeholder${wanted === 1 ? "" : "s"} (?), but --param binds to a single statement; run it on its own with --param.`,
        "query_param_count",
      );
    }
  });
}

/** --dry-run: each statement and whether it writes; nothing is sent (not even a connection is made). */
function dryRunPlan(ctx: Context, statements: string[]): CommandResult {
  const plan = statements.map((sql) => ({ sql, writes: !isReadOnly(sql) }));
  const human = () => {
    plan.forEach((s, i) => ctx.out.println(`${String(i + 1).padStart(3)}  ${s.writes ? "writes" : "reads "}  ${oneLine(s.sql, 100)}`));
    const n = plan.filter((s) => s.writes).length;
    ctx.out.info(`Dry run: ${plan.length} statement(s), ${n} that write${n === 1 ? "s" : ""}; nothing was sent to the ${ctx.target} database.`);
  };
  return { data: { dryRun: true, statements: plan }, human };
}

function readSqlFile(ctx: Context, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(path.resolve(ctx.io.cwd, file)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`--file ${file}: no such file; check the path.`, "file_missing");
    if (code) throw new UsageError(`--file ${file}: cannot read it (${code}).`, "file_unreadable");
    throw new UsageError(`--file ${file} is not valid UTF-8 text; re-save it as UTF-8.`, "file_not_utf8");
  }
}

/** "5" → 5, "-1.5" → -1.5, but "007", "1e3" or "abc" stay text (a round trip must give the same text). */
function toParam(value: string): string | number {
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) && String(n) === value ? n : value;
}

function withStatement(error: unknown, statements: string[]): unknown {
  if (error instanceof CloudflareServiceError && error.outcomeUnknown && statements.some((s) => !isReadOnly(s))) {
    // Never re-sent blindly, so say plainly that it may have landed.
    return new CloudflareServiceError(`${error.message} The write may or may not have been applied: check with a SELECT before running it again.`, {
      service: "d1",
      status: error.status,
      cfCode: error.cfCode,
      outcomeUnknown: true,
      cause: error,
    });
  }
  if (!(error instanceof CloudflareServiceError) || error.status !== 400) return error;
  const which = statements.length === 1 ? oneLine(statements[0]!) : `one of ${statements.length} statements (none were applied)`;
  return new CloudflareServiceError(`${error.message.replace(/^D1_ERROR:\s*/, "")} — in: ${which}`, {
    service: "d1",
    status: error.status,
    cfCode: error.cfCode,
    cause: error,
  });
}

function printMeta(ctx: Context, metas: D1Meta[]): void {
  const sum = (k: keyof D1Meta) => metas.reduce((s, m) => s + (Number(m?.[k]) || 0), 0);
  ctx.out.info(ctx.out.paint("dim", `rows read ${sum("rows_read")}, rows written ${sum("rows_written")}, ${Math.round(sum("duration") * 100) / 100} ms in D1`));
}

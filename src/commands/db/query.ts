import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { D1Meta, D1Result } from "../../clients/d1.js";
import type { Context } from "../../context.js";
import { CloudflareServiceError, InterruptedError, LimitError, UsageError } from "../../errors.js";
import { oneLine } from "../../migrate/apply.js";
import { isReadOnly } from "../../migrate/classify.js";
import { D1_MAX_STATEMENT_BYTES } from "../../migrate/plan.js";
import { splitSql } from "../../migrate/split.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "run SQL and print the rows",
  examples: [
    'kanvas db query "SELECT id, email FROM users LIMIT 10"',
    'kanvas db query "SELECT * FROM rooms WHERE owner_id = ?" --param u_123 --json',
    "kanvas db query --file report.sql --csv > report.csv",
    'kanvas db query "DELETE FROM assets WHERE user_id = ?" --param u_9 --remote --yes',
  ],
  notes: [
    "--param values are bound to ? in order (never spliced into the SQL); a value that is a plain number (5, -2, 1.5) binds as a number, anything else as text.",
    "Several statements (a file) run as one batch: all or nothing. --json prints the rows of a single statement, or [{sql, results}] for several.",
    "Against --remote, SQL that writes asks first at a terminal and needs --yes elsewhere. Rows read/written and the duration go to stderr.",
    "Exit codes: 0 ok; 1 SQL error (D1's message and the statement are shown); 2 bad input; 4 database not found.",
  ].join("\n"),
  arguments: [{ syntax: "[sql]", description: "the SQL to run (or use --file)" }],
  options: [
    { flags: "--file <path>", description: "read the SQL from a file" },
    { flags: "--param <value>", description: "a value bound to the next ? (repeat for more)", repeatable: true },
    { flags: "--csv", description: "print CSV (header row first)" },
    { flags: "--ndjson", description: "print one JSON object per row (large results)" },
  ],
  shared: ["target", "yes"],
  access: "write",
  schema: z
    .object({
      sql: z.string().optional(),
      file: z.string().optional(),
      param: z.array(z.string()).default([]),
      csv: z.boolean().optional(),
      ndjson: z.boolean().optional(),
      yes: z.boolean().optional(),
    })
    .refine((v) => (v.sql === undefined) !== (v.file === undefined), {
      message: 'give the SQL either as an argument or with --file, e.g. kanvas db query "SELECT 1"',
      path: ["sql"],
    })
    .refine((v) => !(v.csv && v.ndjson), { message: "pick one of --csv and --ndjson", path: ["csv"] }),
  async run(input, ctx) {
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

    const d1 = await ctx.d1();
    const writes = statements.filter((s) => !isReadOnly(s));
    if (writes.length && ctx.target === "remote") {
      const ok = await ctx.confirm(`Run ${writes.length} statement(s) that write to the remote database (${oneLine(writes[0]!, 60)})?`, {
        yes: input.yes,
        what: "db query: SQL that writes to the remote database",
      });
      if (!ok) throw new InterruptedError("Not run; nothing was changed.");
    }

    let results: D1Result[];
    try {
      results = statements.length === 1 ? [await d1.query(statements[0]!, params)] : await d1.batch(statements.map((sql) => ({ sql })));
    } catch (error) {
      throw withStatement(error, statements);
    }
    printMeta(ctx, results.map((r) => r.meta));
    render(ctx, input, statements, results);
  },
});

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

function render(ctx: Context, input: { csv?: boolean; ndjson?: boolean }, statements: string[], results: D1Result[]): void {
  if (input.ndjson) {
    for (const r of results) for (const row of r.results) ctx.out.ndjson(row);
    return;
  }
  if (input.csv) {
    const rows = results[results.length - 1]!.results;
    const headers = columnsOf(rows);
    ctx.out.print([headers, ...rows.map((r) => headers.map((h) => r[h]))].map((line) => line.map(csvCell).join(",")).join("\r\n") + (headers.length ? "\r\n" : ""));
    return;
  }
  const value = results.length === 1 ? results[0]!.results : results.map((r, i) => ({ sql: statements[i], results: r.results }));
  ctx.out.result(value, () => {
    results.forEach((r, i) => {
      if (results.length > 1) ctx.out.println(ctx.out.paint("dim", `-- ${oneLine(statements[i]!, 80)}`));
      if (r.results.length === 0) {
        ctx.out.println(r.meta?.changes ? `(no rows; ${r.meta.changes} changed)` : "(no rows)");
        return;
      }
      const headers = columnsOf(r.results);
      ctx.out.table(headers, r.results.map((row) => headers.map((h) => display(row[h]))));
    });
  });
}

function columnsOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows.slice(0, 1)) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function display(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number") return v;
  return JSON.stringify(v);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

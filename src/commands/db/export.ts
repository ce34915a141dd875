import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CloudflareServiceError, ConflictError, InterruptedError, UsageError } from "../../core/errors.js";
import { DumpInputError, dumpDatabase } from "../../domain/db/dump.js";
import { formatBytes } from "../../domain/images/parts.js";
import { defineCommand } from "../define.js";
import { bool, list, text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "write the database as a SQL dump (local: Miniflare's D1; remote: D1's export API)",
  examples: [
    "kanvas db export --output backup.sql",
    "kanvas db export --remote --output before-0007.sql --yes",
    "kanvas db export --table users --table assets --no-schema --output rows.sql",
  ],
  notes:
    "The dump has no BEGIN/COMMIT (D1 refuses them), so it applies with 'kanvas db query --file f.sql' and 'wrangler d1 execute --file f.sql'.\nRemote: Cloudflare's export API; the database serves no queries while the export runs, so kanvas asks first (or needs --yes).\nThe file appears only when complete. Exit codes: 0 written; 2 bad input or not confirmed; 4 no such table or database; 5 the file exists (add --force).",
  flags: {
    output: text("where to write the SQL; - for stdout (default: <database name>-<UTC time>.sql)", { short: "-o", placeholder: "<file>", check: (v: string) => (v ? undefined : "give a file name, or - for stdout") }),
    data: bool("only the schema (CREATE statements)", { negatable: true }),
    schema: bool("only the rows (INSERT statements)", { negatable: true }),
    table: list("only this table (repeatable)", { placeholder: "<name>" }),
    force: bool("overwrite --output if it exists"),
    ...target,
    ...yes,
    ...dryRun,
  },
  access: "read",
  check(v, fail) {
    if (v.table.some((t) => !t)) fail("table", "give a table name");
  },
  async run(input, ctx) {
    if (!input.data && !input.schema) throw new UsageError("--no-data and --no-schema together leave nothing to export; drop one.", "export_empty");
    const config = await ctx.config();
    const stamp = new Date(ctx.now()).toISOString().replace(/[:.]/g, "-").replace(/-\d{3}Z$/, "Z");
    const output = input.output ?? `${config.d1?.databaseName ?? "d1"}-${stamp}.sql`;
    const target = output === "-" ? "-" : path.resolve(ctx.io.cwd, output);
    if (target !== "-" && existsSync(target) && !input.force) throw new ConflictError(`${output} already exists; add --force to overwrite it, or pick another --output.`, "file_exists");
    const opts = { noData: !input.data, noSchema: !input.schema, tables: input.table };
    if (input.dryRun) {
      // Nothing is asked of D1: a remote export would stop the database serving queries.
      const tables = input.table.length ? `tables ${input.table.join(", ")}` : "all tables";
      const parts = [input.schema && "schema", input.data && "rows"].filter(Boolean).join(" and ");
      return {
        data: { dryRun: true, file: output, tables: input.table.length ? input.table : "all", data: input.data, schema: input.schema },
        human: () => ctx.out.info(`Would export the ${ctx.target} database (${tables}; ${parts}) to ${output}. Nothing was sent.`),
      };
    }
    const d1 = await ctx.d1();

    let source: Readable;
    let bookmark: string | undefined;
    const exporter = ctx.d1Export();
    if (exporter) {
      const ok = await ctx.confirm("While D1 exports, the remote database serves no queries (Cloudflare's export API). Export now?", { yes: input.yes, what: "db export --remote (the database serves no queries while it runs)", cancelled: "Cancelled; nothing was exported." });
      if (!ok) throw new InterruptedError("Not confirmed; nothing was exported.");
      ctx.out.info("Exporting: the remote database serves no queries until this finishes…");
      const ready = await exporter.exportSql({ ...opts, onMessage: (m) => ctx.out.info(`  ${m}`) });
      bookmark = ready.bookmark;
      const res = await fetch(ready.url, { signal: ctx.signal }).catch((error: unknown) => {
        throw new CloudflareServiceError(`D1 export: downloading the dump failed (${(error as Error).message}).`, { service: "d1", outcomeUnknown: true, cause: error });
      });
      if (!res.ok || !res.body) throw new CloudflareServiceError(`D1 export: downloading the dump failed (HTTP ${res.status}); run the export again.`, { service: "d1", status: res.status });
      source = Readable.fromWeb(res.body as unknown as import("node:stream/web").ReadableStream<Uint8Array>);
    } else {
      const query = async (sql: string) => (await d1.query(sql, [], { idempotent: true })).results;
      source = Readable.from(
        (async function* () {
          try {
            yield* dumpDatabase(query, opts);
          } catch (error) {
            if (error instanceof DumpInputError) throw new UsageError(`--table: ${error.message}. List the tables with: kanvas db query "SELECT name FROM sqlite_master WHERE type = 'table'"`, "no_such_table");
            throw error;
          }
        })(),
      );
    }

    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer | string, _enc, done) {
        const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        if (ctx.out.stderrIsTTY && !ctx.out.json) ctx.out.drawLive(`${formatBytes(bytes)} written`);
        done(null, buf);
      },
    });
    try {
      if (target === "-") {
        // The dump itself is the output: no result record after it.
        await pipeline(source, counter, ctx.io.stdout, { end: false, signal: ctx.signal });
        return;
      }
      const partial = `${target}.kanvas-${process.pid}.part`;
      try {
        await pipeline(source, counter, createWriteStream(partial), { signal: ctx.signal });
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    } catch (error) {
      if (ctx.signal.aborted) throw new InterruptedError(`Interrupted: ${output} was not written.`);
      throw error;
    } finally {
      ctx.out.clearLive();
    }
    return {
      data: { file: output, bytes, ...(bookmark ? { bookmark } : {}) },
      human: () => ctx.out.success(`Exported the ${ctx.target} database to ${output} (${formatBytes(bytes)})${bookmark ? ` at bookmark ${bookmark}` : ""}. Load it with: kanvas db query --file ${output}`),
    };
  },
});

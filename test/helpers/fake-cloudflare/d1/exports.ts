/**
 * D1's export API in the fake: POST …/export {output_format: "polling", dump_options} answers 202
 * "active" with the bookmark to poll with; the next poll (current_bookmark) answers 200
 * "complete" with a signed URL on this server that serves the SQL once generated.
 * The dump is generated from the fake database at the export's bookmark by kanvas's own dumper
 * over sql.js (the round-trip test checks the result independently, row by row).
 */
import { randomUUID } from "node:crypto";
import { dumpDatabase } from "../../../../src/domain/db/dump.js";
import { CODES } from "../codes.js";
import { cfError } from "../envelope.js";
import type { FakeD1Database } from "./database.js";

export const EXPORT_PATH = "/__fake-r2/d1-export";

interface ExportTask {
  bookmark: string;
  polls: number;
  token: string;
  sql?: string;
  error?: string;
}

export class D1Exports {
  private readonly tasks = new Map<string, ExportTask>();
  private readonly files = new Map<string, string>();
  /** Polls answered "active" before an export completes. */
  pollsUntilDone = 1;
  /** Every export request body, for assertions. */
  readonly bodies: unknown[] = [];

  constructor(private readonly urlFor: (token: string) => string) {}

  async handle(d: FakeD1Database, body: Record<string, unknown> | null): Promise<{ status: number; result: Record<string, unknown> }> {
    this.bodies.push(body);
    if (body?.output_format !== "polling") throw cfError(400, CODES.D1_MALFORMED, 'The request is malformed: output_format must be "polling"');
    const opts = (body.dump_options ?? {}) as { no_data?: boolean; no_schema?: boolean; tables?: string[] };
    const current = body.current_bookmark;
    let task: ExportTask | undefined;
    if (typeof current === "string") {
      task = this.tasks.get(`${d.uuid}:${current}`);
      if (!task) throw cfError(400, CODES.D1_MALFORMED, `The request is malformed: no export in progress at bookmark ${current}`);
    } else {
      task = { bookmark: d.currentBookmark, polls: 0, token: randomUUID() };
      this.tasks.set(`${d.uuid}:${task.bookmark}`, task);
      try {
        let sql = "";
        for await (const chunk of dumpDatabase(async (q) => d.exec(q), { noData: opts.no_data, noSchema: opts.no_schema, tables: opts.tables })) sql += chunk;
        task.sql = sql;
      } catch (error) {
        task.error = (error as Error).message;
      }
      return { status: 202, result: { success: true, type: "export", status: "active", at_bookmark: task.bookmark, messages: [`Generating ${d.uuid}-${task.bookmark}.sql`] } };
    }
    if (task.error) return { status: 200, result: { success: false, type: "export", status: "error", at_bookmark: task.bookmark, error: task.error, messages: [] } };
    if (++task.polls < this.pollsUntilDone) return { status: 202, result: { success: true, type: "export", status: "active", at_bookmark: task.bookmark, messages: [] } };
    this.files.set(task.token, task.sql ?? "");
    const filename = `${d.uuid}-${task.bookmark}.sql`;
    return {
      status: 200,
      result: { success: true, type: "export", status: "complete", at_bookmark: task.bookmark, messages: ["Uploaded part 1", `Finished uploading ${filename}`], result: { filename, signed_url: this.urlFor(task.token) } },
    };
  }

  download(token: string): string | undefined {
    return this.files.get(token);
  }
}

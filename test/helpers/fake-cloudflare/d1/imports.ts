/**
 * D1's import API (what `wrangler d1 execute --remote --file` uses):
 *   init {etag}            → { filename, upload_url } (or, if that file is already uploaded, starts it)
 *   PUT upload_url         → stores the SQL, answers ETag: "<md5>"
 *   ingest {etag,filename} → 202 { status: "active", at_bookmark }
 *   poll {current_bookmark}→ 200 { status: "complete" | "error", result: { num_queries, final_bookmark, meta } }
 * The import runs as one transaction; it fails whole.
 */
import { createHash, randomUUID } from "node:crypto";
import type { FakeD1Database } from "./database.js";
import { D1SqlError, IMPORT_TRANSACTION_MESSAGE, type D1Meta } from "./sql.js";

interface Upload {
  databaseId: string;
  etag: string;
  filename: string;
  sql?: string;
  /** md5 of the uploaded bytes */
  md5?: string;
}

interface ImportRecord {
  status: "complete" | "error";
  at_bookmark: string;
  error?: string;
  num_queries?: number;
  final_bookmark?: string;
  meta?: D1Meta;
}

export class D1Imports {
  private readonly uploadsByToken = new Map<string, Upload>();
  private readonly records = new Map<string, ImportRecord>();

  constructor(private readonly uploadBase: () => string) {}

  init(db: FakeD1Database, etag: string): { status: number; result: Record<string, unknown> } {
    const existing = this.findUpload(db.uuid, `${db.uuid}-${etag}.sql`);
    if (existing?.md5 === etag) return this.ingest(db, etag, existing.filename);
    const token = randomUUID();
    const filename = `${db.uuid}-${etag}.sql`;
    this.uploadsByToken.set(token, { databaseId: db.uuid, etag, filename });
    return { status: 200, result: { success: true, filename, upload_url: `${this.uploadBase()}/${token}` } };
  }

  /** PUT to an upload URL; returns the ETag (md5) or undefined for an unknown URL. */
  upload(token: string, bytes: Uint8Array): string | undefined {
    const u = this.uploadsByToken.get(token);
    if (!u) return undefined;
    u.sql = new TextDecoder().decode(bytes);
    u.md5 = md5(bytes);
    return u.md5;
  }

  ingest(db: FakeD1Database, etag: string, filename: string): { status: number; result: Record<string, unknown> } {
    const u = this.findUpload(db.uuid, filename);
    if (!u || u.sql === undefined) return notOk("File not found. Please upload it first.");
    if (u.md5 !== etag) return notOk("The uploaded file does not match its etag.");
    const at_bookmark = db.currentBookmark;
    const record: ImportRecord = { status: "complete", at_bookmark };
    try {
      const results = db.run([{ sql: u.sql }], { enforceLimits: true, transactionMessage: IMPORT_TRANSACTION_MESSAGE });
      record.num_queries = results.length;
      record.final_bookmark = db.currentBookmark;
      record.meta = sumMeta(results.map((r) => r.meta));
    } catch (err) {
      if (!(err instanceof D1SqlError)) throw err;
      record.status = "error";
      record.error = err.message;
    }
    this.records.set(`${db.uuid}|${at_bookmark}`, record);
    return {
      status: 202,
      result: { success: true, type: "import", at_bookmark, status: "active", messages: ["Import started"] },
    };
  }

  poll(db: FakeD1Database, currentBookmark: string): { status: number; result: Record<string, unknown> } {
    const r = this.records.get(`${db.uuid}|${currentBookmark}`);
    if (!r) return notOk("Not currently importing anything.");
    if (r.status === "error") {
      return {
        status: 200,
        result: { success: false, type: "import", status: "error", at_bookmark: r.at_bookmark, error: r.error, errors: [r.error], messages: [] },
      };
    }
    return {
      status: 200,
      result: {
        success: true,
        type: "import",
        status: "complete",
        at_bookmark: r.at_bookmark,
        messages: [`Processed ${r.num_queries} queries.`],
        result: { num_queries: r.num_queries, final_bookmark: r.final_bookmark, meta: r.meta },
      },
    };
  }

  private findUpload(databaseId: string, filename: string): Upload | undefined {
    for (const u of this.uploadsByToken.values()) if (u.databaseId === databaseId && u.filename === filename) return u;
    return undefined;
  }
}

function notOk(error: string): { status: number; result: Record<string, unknown> } {
  return { status: 200, result: { success: false, type: "import", status: "error", error, errors: [error], messages: [] } };
}

function sumMeta(metas: D1Meta[]): D1Meta {
  const last = metas[metas.length - 1];
  const sum = (k: "changes" | "duration" | "rows_read" | "rows_written") => metas.reduce((a, m) => a + m[k], 0);
  return {
    changed_db: metas.some((m) => m.changed_db),
    changes: sum("changes"),
    duration: sum("duration"),
    last_row_id: last?.last_row_id ?? 0,
    rows_read: sum("rows_read"),
    rows_written: sum("rows_written"),
    size_after: last?.size_after ?? 0,
    served_by_primary: true,
    served_by_region: "ENAM",
    timings: { sql_duration_ms: sum("duration") },
  };
}

export function md5(s: string | Uint8Array): string {
  return createHash("md5").update(s).digest("hex");
}

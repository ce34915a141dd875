/** D1 REST endpoints: databases, query, raw, Time Travel, import (+ the upload URL it hands out). */
import type { HttpHandler } from "msw";
import { CODES } from "../codes.js";
import { cfError, ok } from "../envelope.js";
import { accountRoute, intParam, plainRoute, readJson, type AuthConfig, type RouteCtx } from "../routes.js";
import { D1_UUID_FORMAT } from "./constants.js";
import type { FakeD1Database } from "./database.js";
import { EXPORT_PATH, type D1Exports } from "./exports.js";
import type { D1Imports } from "./imports.js";
import { D1SqlError, rowsAsObjects, type D1Query, type D1StatementResult } from "./sql.js";

export interface D1State {
  databases: Map<string, FakeD1Database>;
  imports: D1Imports;
  exports: D1Exports;
}

export const UPLOAD_PATH = "/__fake-r2/d1-import";

export function d1Handlers(auth: AuthConfig, state: D1State): HttpHandler[] {
  const db = (ctx: RouteCtx): FakeD1Database => {
    const id = ctx.params.databaseId ?? "";
    if (!D1_UUID_FORMAT.test(id)) throw cfError(400, CODES.D1_MALFORMED, "The request is malformed: failed to decode id");
    const found = state.databases.get(id.toLowerCase());
    if (!found) throw cfError(404, CODES.D1_NOT_FOUND, `The database ${id} could not be found`);
    return found;
  };
  const route = (method: "get" | "post", path: string, h: (ctx: RouteCtx) => Response | Promise<Response>) =>
    accountRoute(auth, method, "d1", `/d1/database${path}`, h);

  return [
    route("get", "", (ctx) => {
      const page = intParam(ctx.url, "page", 1, 1, Number.MAX_SAFE_INTEGER, CODES.D1_MALFORMED);
      const perPage = intParam(ctx.url, "per_page", 1000, 10, 10_000, CODES.D1_MALFORMED);
      const name = ctx.url.searchParams.get("name");
      const all = [...state.databases.values()]
        .filter((d) => !name || d.name.includes(name))
        .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
      const items = all.slice((page - 1) * perPage, page * perPage).map(summary);
      return ok(items, { result_info: { page, per_page: perPage, count: items.length, total_count: all.length } });
    }),

    route("get", "/:databaseId", (ctx) => {
      const d = db(ctx);
      return ok({ ...summary(d), ...d.info(), read_replication: { mode: "disabled" } });
    }),

    route("post", "/:databaseId/query", async (ctx) => {
      const results = runD1(db(ctx), await readQueries(ctx.request));
      return ok(results.map((r) => ({ results: rowsAsObjects(r), success: true, meta: r.meta })));
    }),

    route("post", "/:databaseId/raw", async (ctx) => {
      const results = runD1(db(ctx), await readQueries(ctx.request));
      return ok(results.map((r) => ({ results: { columns: r.columns, rows: r.rows }, success: true, meta: r.meta })));
    }),

    route("get", "/:databaseId/time_travel/bookmark", (ctx) => {
      const d = db(ctx);
      const ts = timestampParam(ctx.url);
      return ok({ bookmark: ts === undefined ? d.currentBookmark : d.bookmarkAt(ts) });
    }),

    route("post", "/:databaseId/time_travel/restore", (ctx) => {
      const d = db(ctx);
      const ts = timestampParam(ctx.url);
      const bookmark = ctx.url.searchParams.get("bookmark") ?? (ts === undefined ? undefined : d.bookmarkAt(ts));
      if (!bookmark) throw cfError(400, CODES.D1_MALFORMED, "The request is malformed: a bookmark or timestamp is required");
      if (!d.hasBookmark(bookmark)) throw cfError(400, CODES.D1_MALFORMED, `The request is malformed: invalid bookmark ${bookmark}`);
      const r = d.restore(bookmark);
      return ok({ ...r, message: `Database restored to bookmark ${bookmark}` });
    }),

    route("post", "/:databaseId/import", async (ctx) => {
      const d = db(ctx);
      const body = (await readJson(ctx.request, CODES.D1_MALFORMED)) as Record<string, unknown> | null;
      const str = (k: string): string => {
        const v = body?.[k];
        if (typeof v !== "string" || v === "") throw cfError(400, CODES.D1_MALFORMED, `The request is malformed: "${k}" is required`);
        return v;
      };
      let r: { status: number; result: Record<string, unknown> };
      switch (body?.action) {
        case "init":
          r = state.imports.init(d, str("etag"));
          break;
        case "ingest":
          r = state.imports.ingest(d, str("etag"), str("filename"));
          break;
        case "poll":
          r = state.imports.poll(d, str("current_bookmark"));
          break;
        default:
          throw cfError(400, CODES.D1_MALFORMED, 'The request is malformed: action must be "init", "ingest" or "poll"');
      }
      return ok(r.result, { status: r.status });
    }),

    route("post", "/:databaseId/export", async (ctx) => {
      const r = await state.exports.handle(db(ctx), (await readJson(ctx.request, CODES.D1_MALFORMED)) as Record<string, unknown> | null);
      return ok(r.result, { status: r.status });
    }),

    plainRoute(auth, "get", `${EXPORT_PATH}/:token`, (ctx) => {
      const sql = state.exports.download(ctx.params.token ?? "");
      if (sql === undefined) return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404, headers: { "content-type": "application/xml" } });
      return new Response(sql, { status: 200, headers: { "content-type": "application/sql" } });
    }),

    plainRoute(auth, "put", `${UPLOAD_PATH}/:token`, async (ctx) => {
      const etag = state.imports.upload(ctx.params.token ?? "", new Uint8Array(await ctx.request.arrayBuffer()));
      if (!etag) return new Response("<Error><Code>NoSuchUpload</Code></Error>", { status: 404, headers: { "content-type": "application/xml" } });
      return new Response(null, { status: 200, headers: { etag: `"${etag}"` } });
    }),
  ];
}

function summary(d: FakeD1Database): Record<string, unknown> {
  return { uuid: d.uuid, name: d.name, created_at: new Date(d.createdAt).toISOString(), version: "production" };
}

function runD1(d: FakeD1Database, queries: D1Query[]): D1StatementResult[] {
  try {
    return d.run(queries, { enforceLimits: true });
  } catch (err) {
    if (err instanceof D1SqlError) throw cfError(400, CODES.D1_QUERY_ERROR, err.message);
    throw err;
  }
}

async function readQueries(request: Request): Promise<D1Query[]> {
  const body = (await readJson(request, CODES.D1_MALFORMED)) as Record<string, unknown> | null;
  const one = (q: unknown): D1Query => {
    const o = q as Record<string, unknown> | null;
    if (!o || typeof o.sql !== "string") throw cfError(400, CODES.D1_MALFORMED, 'The request is malformed: "sql" must be a string');
    if (o.params !== undefined && !Array.isArray(o.params)) {
      throw cfError(400, CODES.D1_MALFORMED, 'The request is malformed: "params" must be an array');
    }
    return { sql: o.sql, params: o.params as unknown[] | undefined };
  };
  if (body && Array.isArray(body.batch)) return body.batch.map(one);
  return [one(body)];
}

/** `timestamp` as RFC 3339 or unix seconds; undefined when absent. */
function timestampParam(url: URL): number | undefined {
  const raw = url.searchParams.get("timestamp");
  if (raw === null || raw === "") return undefined;
  const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
  if (Number.isNaN(ms)) throw cfError(400, CODES.D1_MALFORMED, `The request is malformed: invalid timestamp ${raw}`);
  return ms;
}


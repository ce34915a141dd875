/**
 * `db query`'s local path: a route in kanvas's Miniflare worker that runs the statements on the D1
 * binding and streams the answer to Node as NDJSON, one row per line.
 *
 * Why a route: the binding seen from Node (`mf.getD1Database`) goes through Miniflare's proxy, which
 * serialises the whole result (devalue) into one string, parses it back into objects, and D1's
 * object form drops duplicate column names. Through the route, Node holds one line at a time; the
 * whole result lives only in workerd, as it does in D1 itself (D1 has no cursor).
 *
 * On Miniflare 4 the route asks the binding's own D1 object (the `fetcher` Miniflare gives its D1
 * wrapper) for the ROWS_AND_COLUMNS form — exactly what the binding's `.raw()` and `batch()` send — so the statements run
 * as they always do: one transaction for the batch, D1's errors, D1's meta.
 */
import { CloudflareServiceError } from "../core/errors.js";
import type { D1RawHead, D1RawStream, D1Statement } from "./d1.js";

export const D1_RAW_PATH = "/__kanvas/d1/raw";

/** Rows per chunk the worker writes; small enough to keep workerd's extra copy small. */
const ROWS_PER_CHUNK = 512;

/**
 * Worker source for the route: `d1Raw(request, db)` answers
 *   200: line 1 {"results":[{columns, meta, rowCount}…]}, then every row as a JSON array, one per line
 *   400: D1's error message as text (nothing ran, or the batch was rolled back)
 */
export const D1_RAW_ROUTE_SOURCE = `
async function d1Raw(request, db) {
  if (!db) return new Response("no D1 binding", { status: 500 });
  let answer;
  if (db.fetcher) {
    const upstream = await db.fetcher.fetch("http://d1/query?resultsFormat=ROWS_AND_COLUMNS", {
      method: "POST", headers: { "content-type": "application/json" }, body: await request.text(),
    });
    answer = await upstream.json();
    if (!Array.isArray(answer)) return new Response(String(answer && answer.error || "D1 gave no result"), { status: 400 });
  } else {
    // Miniflare 5 keeps the binding's fetcher private: the public batch() (one transaction, D1's
    // errors and meta) in object form, turned back into columns and rows. Object rows cannot carry
    // a repeated column name, so on this runtime the last of a repeated name wins.
    let results;
    try {
      results = await db.batch((await request.json()).map((s) => db.prepare(s.sql).bind(...s.params)));
    } catch (error) {
      return new Response(String(error && error.message || error), { status: 400 });
    }
    answer = results.map((r) => {
      const objects = r.results || [];
      const columns = objects.length ? Object.keys(objects[0]) : [];
      return { results: { columns, rows: objects.map((o) => columns.map((c) => o[c])) }, meta: r.meta };
    });
  }
  const head = answer.map((r) => ({ columns: r.results.columns, meta: r.meta, rowCount: r.results.rows.length }));
  const encoder = new TextEncoder();
  let r = 0, i = 0;
  const body = new ReadableStream({
    start(controller) { controller.enqueue(encoder.encode(JSON.stringify({ results: head }) + "\\n")); },
    pull(controller) {
      let text = "", n = 0;
      while (r < answer.length && n < ${ROWS_PER_CHUNK}) {
        const rows = answer[r].results.rows;
        if (i >= rows.length) { answer[r] = null; r++; i = 0; continue; }
        text += JSON.stringify(rows[i]) + "\\n";
        rows[i++] = null; // handed on: let it go
        n++;
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (r >= answer.length) controller.close();
    },
  }, { highWaterMark: 1 });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}`;

interface RouteResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  body: ReadableStream<Uint8Array> | null;
}

/** The request body the route expects. */
export function rawRequestBody(statements: D1Statement[]): string {
  return JSON.stringify(statements.map((s) => ({ sql: s.sql, params: s.params ?? [] })));
}

/**
 * Reads the route's answer: the head line now (so errors surface before any output), the rows
 * lazily, each parsed as its line arrives.
 */
export async function readRawResponse(response: RouteResponse): Promise<D1RawStream> {
  if (!response.ok || !response.body) {
    const text = (await response.text()).split("\n")[0] || `D1 route failed: ${response.status}`;
    // 400 carries D1's own message (SQL errors, SQLITE_BUSY); keep it for the caller's mapping.
    throw response.status === 400 ? new Error(text) : new CloudflareServiceError(text, { service: "d1", status: response.status });
  }
  const lines = linesOf(response.body);
  const first = await lines.next();
  if (first.done) throw new CloudflareServiceError("the local D1 route answered with nothing", { service: "d1" });
  const { results } = JSON.parse(first.value) as { results: D1RawHead[] };
  const expected = results.reduce((n, r) => n + r.rowCount, 0);
  async function* rows(): AsyncGenerator<unknown[]> {
    let seen = 0;
    for await (const line of lines) {
      seen++;
      yield JSON.parse(line) as unknown[];
    }
    if (seen !== expected) throw new CloudflareServiceError(`the local D1 route ended after ${seen} of ${expected} rows`, { service: "d1" });
  }
  return { results, rows: rows() };
}

/** Lines of a UTF-8 byte stream; the stream is cancelled if the reader stops early. */
async function* linesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let done = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        break;
      }
      const text = rest + decoder.decode(chunk.value, { stream: true });
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.decode();
    if (rest) yield rest;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

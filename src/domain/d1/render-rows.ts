/**
 * Renders D1's /raw results (columns + row arrays) as they arrive: each row is turned into text and
 * handed to the writer, then dropped. Nothing builds the whole output.
 *
 * Shapes (README, "db query output"):
 *   table   columns sized on the first 100 rows of each result; later, wider cells just run over
 *   csv     header + rows (RFC 4180, CRLF); several result sets each get a `-- <sql>` line, blank line between
 *   json    one statement: [ {col: value, …}, … ]; several: [ {"sql": …, "results": [ … ]}, … ]
 *   ndjson  one {col: value, …} object per line, every result set in turn
 * JSON objects keep the column order; a repeated column name gets SQLite's own suffix (a, a:1, a:2).
 */
import type { D1RawHead, D1RawStream } from "../../clients/d1.js";
import { InterruptedError } from "../../core/errors.js";
import type { ChunkedWriter } from "./chunked-writer.js";

export type RowFormat = "table" | "csv" | "json" | "ndjson";

export interface RenderOptions {
  format: RowFormat;
  /** The statements, one per result, for the labels of several result sets. */
  labels: string[];
  /** Bold header etc. (a no-op off a terminal). */
  bold: (text: string) => string;
  dim: (text: string) => string;
  /** A note on stderr. */
  warn: (line: string) => void;
  /** Ctrl-C: stop writing rows (exit 130). */
  signal?: AbortSignal;
}

/** Each method returns the text to write next. */
interface Renderer {
  begin(index: number, head: D1RawHead): string;
  row(cells: unknown[]): string;
  end(index: number, head: D1RawHead): string;
  finish(): string;
}

/** Rows of a result used to size the table's columns. */
export const TABLE_SIZING_ROWS = 100;

export async function renderRows(stream: D1RawStream, opts: RenderOptions, out: ChunkedWriter): Promise<void> {
  const renderer = makeRenderer(opts, stream.results);
  const rows = stream.rows[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (const [index, head] of stream.results.entries()) {
      await out.write(renderer.begin(index, head));
      for (let k = 0; k < head.rowCount; k++) {
        if (opts.signal?.aborted) throw new InterruptedError(`Interrupted after ${k} of ${head.rowCount} rows; the output is incomplete.`);
        const next = await rows.next();
        if (next.done) throw new Error(`D1's answer ended after ${k} of ${head.rowCount} rows`);
        await out.write(renderer.row(next.value));
        if (out.readerGone) return; // `| head` has what it wanted
      }
      await out.write(renderer.end(index, head));
    }
    // Lets the source check it ended where the heads said it would.
    finished = (await rows.next()).done === true;
    await out.write(renderer.finish());
    await out.flush();
  } finally {
    // Stopped early (interrupted, stdout closed): let the source let go of the rest (the local route's stream).
    if (!finished) await rows.return?.();
    out.close();
  }
}

function makeRenderer(opts: RenderOptions, results: D1RawHead[]): Renderer {
  switch (opts.format) {
    case "ndjson":
      return ndjsonRenderer(opts);
    case "json":
      return jsonRenderer(opts, results.length > 1);
    case "csv":
      return csvRenderer(opts, results);
    case "table":
      return tableRenderer(opts, results.length > 1);
  }
}

function ndjsonRenderer(opts: RenderOptions): Renderer {
  let keys: string[] = [];
  return {
    begin(index, head) {
      keys = jsonKeys(head.columns, opts, index);
      return "";
    },
    row: (cells) => objectText(keys, cells) + "\n",
    end: () => "",
    finish: () => "",
  };
}

function jsonRenderer(opts: RenderOptions, several: boolean): Renderer {
  let keys: string[] = [];
  let first = true;
  const indent = several ? "    " : "  ";
  return {
    begin(index, head) {
      keys = jsonKeys(head.columns, opts, index);
      first = true;
      const open = head.rowCount === 0 ? "[]" : "[\n";
      if (!several) return open;
      return `${index === 0 ? "[\n" : ",\n"}  {"sql": ${JSON.stringify(opts.labels[index] ?? "")}, "results": ${open}`;
    },
    row(cells) {
      const text = (first ? "" : ",\n") + indent + objectText(keys, cells);
      first = false;
      return text;
    },
    end(_index, head) {
      const close = head.rowCount === 0 ? "" : several ? "\n  ]" : "\n]";
      return several ? close + "}" : close + "\n";
    },
    finish: () => (several ? "\n]\n" : ""),
  };
}

function csvRenderer(opts: RenderOptions, results: D1RawHead[]): Renderer {
  // Statements without columns (an INSERT without RETURNING) have no result set to print.
  const sets = results.filter((r) => r.columns.length > 0).length;
  let printed = 0;
  return {
    begin(index, head) {
      if (head.columns.length === 0) return "";
      const label = sets > 1 ? `${printed > 0 ? "\r\n" : ""}-- ${oneLine(opts.labels[index] ?? "")}\r\n` : "";
      printed++;
      return label + csvLine(head.columns);
    },
    row: (cells) => csvLine(cells),
    end: () => "",
    finish: () => "",
  };
}

function tableRenderer(opts: RenderOptions, several: boolean): Renderer {
  let head: D1RawHead | undefined;
  let sizing: string[][] | undefined = [];
  let widths: number[] = [];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd() + "\n";
  // Sizes the columns on the rows seen so far, then prints the header and those rows.
  const release = (): string => {
    const rows = sizing ?? [];
    sizing = undefined;
    widths = head!.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
    return opts.bold(line(head!.columns).slice(0, -1)) + "\n" + rows.map(line).join("");
  };
  return {
    begin(index, h) {
      head = h;
      sizing = [];
      const label = several ? opts.dim(`-- ${oneLine(opts.labels[index] ?? "", 80)}`) + "\n" : "";
      if (h.rowCount > 0) return label;
      return label + (h.meta?.changes ? `(no rows; ${h.meta.changes} changed)\n` : "(no rows)\n");
    },
    row(cells) {
      const text = cells.map(cellText);
      if (!sizing) return line(text);
      sizing.push(text);
      return sizing.length >= TABLE_SIZING_ROWS ? release() : "";
    },
    end: (_index, h) => (h.rowCount > 0 && sizing ? release() : ""),
    finish: () => "",
  };
}

/** `"name":` prefixes, in column order, repeated names suffixed as SQLite does (a, a:1, a:2). */
function jsonKeys(columns: string[], opts: RenderOptions, index: number): string[] {
  const names = uniqueColumnNames(columns);
  const renamed = names.filter((n, i) => n !== columns[i]);
  if (renamed.length > 0) {
    const where = opts.labels.length > 1 ? ` in ${oneLine(opts.labels[index] ?? "", 60)}` : "";
    opts.warn(`repeated column name(s)${where}: in JSON the repeats are named ${renamed.join(", ")} (as SQLite names them); --csv and the table keep the names as they are.`);
  }
  return names.map((n) => JSON.stringify(n) + ":");
}

export function uniqueColumnNames(columns: string[]): string[] {
  const used = new Set<string>();
  const counters = new Map<string, number>();
  return columns.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    const base = name.replace(/:\d+$/, "");
    let n = counters.get(base) ?? 0;
    let candidate: string;
    do candidate = `${base}:${++n}`;
    while (used.has(candidate));
    counters.set(base, n);
    used.add(candidate);
    return candidate;
  });
}

/** A JSON object written as text, so the key order is the column order (a JS object would move "1" first). */
function objectText(keys: string[], cells: unknown[]): string {
  let text = "{";
  for (let i = 0; i < keys.length; i++) text += (i ? "," : "") + keys[i] + (JSON.stringify(cells[i]) ?? "null");
  return text + "}";
}

function csvLine(cells: unknown[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A table cell: SQL NULL shows as NULL, so it never looks like an empty string. */
function cellText(v: unknown): string {
  if (v === null) return "NULL";
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

function oneLine(sql: string, max = Infinity): string {
  const s = sql.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

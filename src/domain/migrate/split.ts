/**
 * Splits a SQL file into statements the way SQLite reads them: never inside strings, quoted
 * identifiers or comments, and never inside a CREATE TRIGGER … BEGIN … END body (whose inner
 * statements end in `;` too). drizzle-kit's `--> statement-breakpoint` is a comment to SQLite and
 * a split point here. CRLF and a UTF-8 BOM are accepted.
 */
import { tokenize } from "../../clients/sql-lexer.js";

export interface SqlStatement {
  /** The statement without its trailing `;`, trimmed. */
  sql: string;
  /** 1-based line where it starts in the file, for error messages. */
  line: number;
}

const BREAKPOINT = /^-->\s*statement-breakpoint/;

export function normalizeSql(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

export function splitSql(text: string): SqlStatement[] {
  const sql = normalizeSql(text);
  const out: SqlStatement[] = [];
  const lineAt = lineCounter(sql);
  let startOffset = 0;
  let hasCode = false;
  // Trigger state: the first words of the statement, whether BEGIN was seen, CASE depth inside the body.
  let lead: string[] = [];
  let inTriggerBody = false;
  let caseDepth = 0;

  const flush = (end: number) => {
    if (hasCode) {
      const raw = sql.slice(startOffset, end);
      const trimmedStart = startOffset + (raw.length - raw.trimStart().length);
      out.push({ sql: raw.trim(), line: lineAt(trimmedStart) });
    }
    hasCode = false;
    lead = [];
    inTriggerBody = false;
    caseDepth = 0;
  };

  for (const t of tokenize(sql)) {
    if (t.kind === "comment") {
      if (BREAKPOINT.test(t.text) && !inTriggerBody) {
        flush(t.start);
        startOffset = t.start + t.text.length;
      }
      continue;
    }
    if (t.kind === "space") continue;
    if (t.kind === "semicolon") {
      if (inTriggerBody) continue;
      flush(t.start);
      startOffset = t.start + 1;
      continue;
    }
    if (!hasCode) startOffset = t.start;
    hasCode = true;
    if (t.kind !== "word") continue;
    const word = t.text.toUpperCase();
    if (lead.length < 4) lead.push(word);
    if (!isTrigger(lead)) continue;
    if (!inTriggerBody) {
      if (word === "BEGIN") inTriggerBody = true;
    } else if (word === "CASE") caseDepth++;
    else if (word === "END") {
      if (caseDepth > 0) caseDepth--;
      else inTriggerBody = false;
    }
  }
  flush(sql.length);
  return out;
}

/** CREATE [TEMP|TEMPORARY] TRIGGER … */
function isTrigger(lead: string[]): boolean {
  if (lead[0] !== "CREATE") return false;
  return lead[1] === "TRIGGER" || ((lead[1] === "TEMP" || lead[1] === "TEMPORARY") && lead[2] === "TRIGGER");
}

/** Line numbers for increasing offsets, counted incrementally (files can be megabytes). */
function lineCounter(text: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset; at++) if (text.charCodeAt(at) === 10) line++;
    return line;
  };
}

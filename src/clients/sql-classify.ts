/**
 * What a statement does, judged from its tokens (never from text inside strings or comments):
 * transaction control (D1 rejects it), destructive (loses data), or read-only (safe to run unasked).
 */
import { tokenize, type Token } from "./sql-lexer.js";

interface Word {
  /** Upper-cased keyword, or a quoted identifier's name as written (unquoted). */
  word: string;
  depth: number;
  ident?: boolean;
}

/** Upper-cased words with their parenthesis depth. */
function words(sql: string): { words: Word[]; tokens: Token[] } {
  const out: Word[] = [];
  const tokens: Token[] = [];
  let depth = 0;
  for (const t of tokenize(sql)) {
    tokens.push(t);
    if (t.kind === "other") {
      if (t.text === "(") depth++;
      else if (t.text === ")") depth = Math.max(0, depth - 1);
    } else if (t.kind === "word") out.push({ word: t.text.toUpperCase(), depth });
    else if (t.kind === "ident") out.push({ word: t.text.slice(1, -1), depth, ident: true });
  }
  return { words: out, tokens };
}

const VERBS = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "VALUES"]);

/** The statement's verb; for `WITH … <verb>` the verb after the common table expressions. */
function mainVerb(ws: Word[]): { verb: string; index: number } | undefined {
  const first = ws[0];
  if (!first) return undefined;
  if (first.word !== "WITH") return { verb: first.word, index: 0 };
  const i = ws.findIndex((w, idx) => idx > 0 && w.depth === 0 && !w.ident && VERBS.has(w.word));
  return i < 0 ? undefined : { verb: ws[i]!.word, index: i };
}

/** BEGIN / COMMIT / END / ROLLBACK / SAVEPOINT / RELEASE: D1 runs each request as its own transaction. */
export function isTransactionControl(sql: string): boolean {
  const first = words(sql).words[0]?.word;
  return first === "BEGIN" || first === "COMMIT" || first === "END" || first === "ROLLBACK" || first === "SAVEPOINT" || first === "RELEASE";
}

/** Why a statement loses data ("DROP TABLE users"), or undefined when it does not. */
export function destructiveReason(sql: string): string | undefined {
  const { words: ws } = words(sql);
  const w = (i: number) => ws[i]?.word;
  if (w(0) === "DROP" && w(1) === "TABLE") return `DROP TABLE ${objectName(ws, 2)}`;
  if (w(0) === "ALTER" && w(1) === "TABLE") {
    const drop = ws.findIndex((x, i) => i > 2 && x.depth === 0 && !x.ident && x.word === "DROP");
    if (drop > 0) return `ALTER TABLE ${objectName(ws, 2)} DROP COLUMN`;
    return undefined;
  }
  const main = mainVerb(ws);
  if (!main || (main.verb !== "DELETE" && main.verb !== "UPDATE")) return undefined;
  const hasWhere = ws.some((x, i) => i > main.index && x.depth === 0 && !x.ident && x.word === "WHERE");
  if (hasWhere) return undefined;
  return `${main.verb} without WHERE`;
}

/** Read-only statements need no confirmation against --remote: SELECT, VALUES, EXPLAIN, PRAGMA reads. */
export function isReadOnly(sql: string): boolean {
  const { words: ws, tokens } = words(sql);
  const first = ws[0]?.word;
  if (first === "EXPLAIN") return true;
  if (first === "PRAGMA") return !tokens.some((t) => t.kind === "other" && t.text === "=");
  const main = mainVerb(ws);
  return main?.verb === "SELECT" || main?.verb === "VALUES";
}

function objectName(ws: Word[], from: number): string {
  let i = from;
  if (ws[i]?.word === "IF" && ws[i + 1]?.word === "EXISTS") i += 2;
  const w = ws[i];
  return w ? (w.ident ? w.word : w.word.toLowerCase()) : "";
}

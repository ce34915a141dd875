/**
 * A small SQLite lexer: just enough to know where strings, quoted identifiers and comments start
 * and end, so splitting and statement classification never look inside them.
 */
export type TokenKind = "word" | "string" | "ident" | "comment" | "space" | "semicolon" | "other";

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the source. */
  start: number;
}

const WORD = /[A-Za-z0-9_$]/;

export function* tokenize(sql: string): Generator<Token> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const start = i;
    const c = sql[i]!;
    const next = sql[i + 1];
    let kind: TokenKind;
    if (c === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      kind = "comment";
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      kind = "comment";
    } else if (c === "'" || c === '"' || c === "`") {
      i = closeQuote(sql, i, c);
      kind = c === "'" ? "string" : "ident";
    } else if (c === "[") {
      const end = sql.indexOf("]", i + 1);
      i = end < 0 ? n : end + 1;
      kind = "ident";
    } else if (c === ";") {
      i++;
      kind = "semicolon";
    } else if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      kind = "space";
    } else if (WORD.test(c)) {
      while (i < n && WORD.test(sql[i]!)) i++;
      kind = "word";
    } else {
      i++;
      kind = "other";
    }
    yield { kind, text: sql.slice(start, i), start };
  }
}

/** A quoted run ends at the next lone quote; a doubled quote ('it''s') is an escaped one. */
function closeQuote(sql: string, from: number, quote: string): number {
  let i = from + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end < 0) return sql.length;
    if (sql[end + 1] === quote) {
      i = end + 2;
      continue;
    }
    return end + 1;
  }
}

/** The upper-cased words of a statement, outside strings, identifiers and comments. */
export function keywords(sql: string): string[] {
  const out: string[] = [];
  for (const t of tokenize(sql)) if (t.kind === "word") out.push(t.text.toUpperCase());
  return out;
}

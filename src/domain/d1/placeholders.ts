import { tokenize } from "../../clients/sql-lexer.js";

/**
 * How many values a statement binds: SQLite's sqlite3_bind_parameter_count, i.e. the largest
 * parameter index. `?` takes the next index, `?NNN` index NNN, and a named `:a`/`@a`/`$a` one index per
 * distinct name. Strings, quoted identifiers and comments are skipped.
 */
export function placeholderCount(sql: string): number {
  const tokens = [...tokenize(sql)];
  const named = new Map<string, number>();
  let max = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const adjacentWord = next && next.kind === "word" && next.start === t.start + t.text.length ? next.text : undefined;
    if (t.kind === "other" && t.text === "?") {
      if (adjacentWord && /^\d+$/.test(adjacentWord)) {
        max = Math.max(max, Number(adjacentWord));
        i++;
      } else max++;
    } else if (t.kind === "other" && (t.text === ":" || t.text === "@") && adjacentWord && /^[A-Za-z_$]/.test(adjacentWord)) {
      if (!named.has(t.text + adjacentWord)) named.set(t.text + adjacentWord, ++max);
      i++;
    } else if (t.kind === "word" && /^\$[A-Za-z_]/.test(t.text)) {
      if (!named.has(t.text)) named.set(t.text, ++max);
    }
  }
  return max;
}

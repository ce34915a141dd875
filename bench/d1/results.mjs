// Shared by the D1 benchmarks: medians, and one markdown file with a section per benchmark.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const RESULTS = path.resolve(import.meta.dirname, "../results/d1.md");

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Replaces (or appends) the section between <!-- d1:<id> --> markers in bench/results/d1.md. */
export function writeSection(id, title, body) {
  const start = `<!-- d1:${id} -->`;
  const end = `<!-- /d1:${id} -->`;
  const block = `${start}\n### ${title}\n\n_${new Date().toISOString().slice(0, 10)}_\n\n${body}\n${end}`;
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "## D1 (kanvas db migrate)\n";
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
}

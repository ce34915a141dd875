// Writes one section of bench/results/kv.md, keeping the other sections.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const file = path.resolve(import.meta.dirname, "../results/kv.md");

export function writeSection(id, title, body) {
  mkdirSync(path.dirname(file), { recursive: true });
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# KV benchmarks\n";
  const start = `<!-- ${id} -->`;
  const end = `<!-- /${id} -->`;
  const block = `${start}\n## ${title}\n\n${body}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

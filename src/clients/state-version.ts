import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Recognises local state that a newer workerd has upgraded, before an older workerd crashes on it.
 *
 * Every Durable Object namespace Miniflare persists (D1, KV, R2, cache…) keeps a `metadata.sqlite`
 * holding workerd's `_cf_ALARM` table. workerd 1.20260426 creates it with 2 columns; current ones
 * (1.20261117) add a third (`actor_name`), and the older workerd then fails to start
 * ("table _cf_ALARM has 3 columns but 2 values were supplied").
 *
 * workerd leaves these files in WAL mode, usually with the schema only in the `-wal` file, so an
 * SQLite library reading the main file alone would see nothing. The schema is stored as plain
 * text (`CREATE TABLE _cf_ALARM (…)`) in whichever file holds it, and these files are a few KB,
 * so kanvas reads the text: no SQLite library (node:sqlite does not exist on Node 20).
 */
export function alarmColumnsInState(stateRoot: string): { columns: number; file: string } | undefined {
  let widest: { columns: number; file: string } | undefined;
  for (const file of metadataFiles(stateRoot)) {
    for (const columns of alarmTableColumns(readHead(file, MAX_BYTES))) {
      if (!widest || columns > widest.columns) widest = { columns, file };
    }
  }
  return widest;
}

/** How many columns of `_cf_ALARM` a workerd build writes, where kanvas knows it. */
export function alarmColumnsOf(workerdVersion: string): number | undefined {
  const date = Number(/^\d+\.(\d{8})\./.exec(workerdVersion)?.[1]);
  if (!date) return undefined;
  if (date <= 20260426) return 2;
  if (date >= 20261117) return 3;
  return undefined; // between the two builds kanvas has seen: let it start, and read its error if it fails
}

/** Metadata files are tiny; a cap keeps a surprise (a huge WAL) from costing a slow start. */
const MAX_BYTES = 8 * 1024 * 1024;

function metadataFiles(stateRoot: string): string[] {
  const files: string[] = [];
  for (const plugin of safeList(stateRoot)) {
    for (const namespace of safeList(path.join(stateRoot, plugin))) {
      for (const name of ["metadata.sqlite", "metadata.sqlite-wal"]) {
        const file = path.join(stateRoot, plugin, namespace, name);
        if (isFile(file)) files.push(file);
      }
    }
  }
  return files;
}

/** Column counts of every `CREATE TABLE _cf_ALARM (…)` in the bytes (a WAL may hold old and new). */
export function alarmTableColumns(bytes: Buffer): number[] {
  const text = bytes.toString("latin1");
  const found: number[] = [];
  const re = /CREATE TABLE "?_cf_ALARM"?\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "(") depth++;
      else if (text[i] === ")") depth--;
    }
    if (depth !== 0) continue;
    const body = text.slice(start, i - 1);
    const defs = splitTopLevel(body).filter((d) => d && !/^(PRIMARY|UNIQUE|CHECK|FOREIGN|CONSTRAINT)\b/i.test(d));
    found.push(defs.length);
  }
  return found;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function readHead(file: string, max: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(max, statSync(file).size));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

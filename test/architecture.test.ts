import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layer rule: imports point down, never up, and nothing imports in a circle.
 *
 *   entry → commands → domain → context → clients → core
 *
 * - entry: the CLI program (lazy command loading).
 * - commands: one file per command, their flag declarations and the runner's input step.
 * - domain: what kanvas knows about Kanvas (migrations, images, cache, flags, locks …).
 * - context: builds ctx once (config, target, clients, output, prompts).
 * - clients: one interface per service, its adapters, and Cloudflare's facts (limits,
 *   part sizes, SQL classification) that the adapters must respect.
 * - core: errors, output, retry/poll, time, config … — no knowledge of any service.
 *
 * The folders are the layers: a file is classified by the longest matching entry below (a folder
 * ends in "/"). A file outside them (a new top-level file) fails the test until it is placed.
 */
const LAYERS = ["core", "clients", "context", "domain", "commands", "entry"] as const;
type Layer = (typeof LAYERS)[number];

const TABLE: Record<string, Layer> = {
  "cli.ts": "entry",
  "commands/": "commands",
  "domain/": "domain",
  "context.ts": "context",
  "clients/": "clients",
  "core/": "core",
};

const SRC = path.resolve(import.meta.dirname, "../src");

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [path.relative(SRC, full).split(path.sep).join("/")] : [];
  });
}

/** Relative imports of one file (static, type-only, re-exports and dynamic import()). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), "utf8");
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts"));
}

function layerOf(file: string): Layer | undefined {
  let best: string | undefined;
  for (const key of Object.keys(TABLE)) {
    const matches = key.endsWith("/") ? file.startsWith(key) : file === key;
    if (matches && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : TABLE[best];
}

const rank = (layer: Layer) => LAYERS.indexOf(layer);

export function importGraph(): Map<string, string[]> {
  return new Map(sourceFiles().map((file) => [file, importsOf(file)]));
}

export function upwardImports(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (from && to && rank(to) > rank(from)) found.push(`${file} (${from}) → ${target} (${to})`);
    }
  }
  return found;
}

/** Strongly connected components with more than one file (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe("architecture: dependencies point down", () => {
  const graph = importGraph();

  it("every source file belongs to a layer", () => {
    const unclassified = [...graph.keys()].filter((file) => layerOf(file) === undefined);
    expect(unclassified, "put these files in a layer folder (commands/, domain/, clients/, core/)").toEqual([]);
  });

  it("every relative import resolves to a source file", () => {
    const dangling = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target) && !target.endsWith(".json")).map((target) => `${file} → ${target}`),
    );
    expect(dangling).toEqual([]);
  });

  it("no import runs upward (entry → commands → domain → context → clients → core)", () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it("no files import each other in a circle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the check itself sees an upward import and a circle", () => {
    const planted = new Map(graph);
    planted.set("core/errors.ts", [...(graph.get("core/errors.ts") ?? []), "commands/define.ts"]);
    expect(upwardImports(planted)).toContain("core/errors.ts (core) → commands/define.ts (commands)");
    planted.set("core/time.ts", ["core/duration.ts"]);
    planted.set("core/duration.ts", ["core/time.ts"]);
    expect(cycles(planted)).toContainEqual(["core/duration.ts", "core/time.ts"]);
  });
});

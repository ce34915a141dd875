/**
 * Issue 11, item 3: the README's "Flags every command takes" table is checked against every
 * command's real flags (as Commander accepts them, read from each command's --help), and
 * `db migrate --yes` answers its one question.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandDefinition } from "../src/commands/define.js";
import { commandTree, type CommandNode } from "../src/commands/tree.js";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

interface Leaf {
  path: string[];
  def: CommandDefinition;
  /** The command's source confirms before changing something. */
  asks: boolean;
}

async function leaves(nodes: Record<string, CommandNode>, prefix: string[] = []): Promise<Leaf[]> {
  const out: Leaf[] = [];
  for (const [name, node] of Object.entries(nodes)) {
    const here = [...prefix, name];
    if (node.load) {
      // One file per leaf: src/commands/<area>/<rest joined by "-">.ts (doctor.ts at the top).
      const file = here.length === 1 ? here[0]! : `${here[0]}/${here.slice(1).join("-")}`;
      const source = readFileSync(path.join(REPO_ROOT, "src/commands", `${file}.ts`), "utf8");
      out.push({ path: here, def: (await node.load()).default, asks: source.includes("ctx.confirm(") });
    }
    if (node.children) out.push(...(await leaves(node.children, here)));
  }
  return out;
}

/** Rows of the README table: the flags in the first cell, the scope the meaning starts with. */
function readmeRows(): Array<{ flags: string[]; scope: "every command" | "commands with a target" | "commands that ask" }> {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Flags every command takes"));
  const table = section.slice(section.indexOf("| flag |"), section.indexOf("\n\n", section.indexOf("| flag |")));
  return table
    .split("\n")
    .slice(2)
    .map((line) => {
      const [, flagCell, meaning] = line.split("|").map((c) => c.trim());
      const flags = [...flagCell!.matchAll(/`(-{1,2}[\w-]+)/g)].map((m) => m[1]!);
      const scope = (["every command", "commands with a target", "commands that ask"] as const).find((s) => meaning!.startsWith(`${s}:`));
      if (!scope) throw new Error(`README flags row without a scope: ${line}`);
      return { flags, scope };
    });
}

/** Flags a command really accepts, from its --help (Commander's own listing). */
async function acceptedFlags(cmd: string[], cwd: string): Promise<Set<string>> {
  const r = await runKanvas([...cmd, "--help"], { cwd });
  expect(r.code).toBe(0);
  const options = r.stdout.slice(r.stdout.indexOf("Options:"));
  return new Set([...options.matchAll(/(?:^|[\s,])(-{1,2}[\w-]+)/gm)].map((m) => m[1]!));
}

/** Flags another branch adds (issue 11 item 4: db query --dry-run); allowed to be missing until it merges. */
const PENDING = new Set<string>();

describe("the README's flags table matches every command (item 3)", () => {
  it("each command takes exactly the flags the table promises for it", async () => {
    const p = tempProject({ migrations: false });
    const rows = readmeRows();
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const all = await leaves(commandTree);
    expect(all.length).toBeGreaterThanOrEqual(20);
    const missing: string[] = [];
    for (const leaf of all) {
      const accepted = await acceptedFlags(leaf.path, p.dir);
      const hasTarget = leaf.def.flags.persistTo !== undefined;
      for (const row of rows) {
        const applies = row.scope === "every command" || (row.scope === "commands with a target" && hasTarget) || (row.scope === "commands that ask" && leaf.asks);
        if (!applies) continue;
        for (const flag of row.flags) {
          const name = `${leaf.path.join(" ")} ${flag}`;
          if (!accepted.has(flag) && !PENDING.has(name)) missing.push(name);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("every shared flag kanvas defines is in the table", async () => {
    const shared = await import("../src/commands/spec/shared.js");
    const { flagSyntax } = await import("../src/commands/spec/flag.js");
    const documented = new Set(readmeRows().flatMap((r) => r.flags));
    const fragments = [shared.common, shared.target, shared.r2Target, shared.remoteOnly, shared.r2RemoteOnly, shared.yes, shared.dryRun];
    const defined = fragments.flatMap((f) => Object.entries(f)).flatMap(([key, spec]) => [...flagSyntax(key, spec).matchAll(/(-{1,2}[\w-]+)/g)].map((m) => m[1]!));
    expect(defined.filter((f) => !documented.has(f))).toEqual([]);
  });
});

describe("db migrate --yes (item 3)", () => {
  for (const target of ["local"] as const) {
    it(`${target}: is accepted, and answers the destructive-statement question where no one can answer`, async () => {
      const p = tempProject();
      expect((await runKanvas(["db", "migrate", `--${target}`, "--yes"], { cwd: p.dir })).code).toBe(0);
      p.write("migrations/0100_drop.sql", "CREATE TABLE scratch (x INTEGER);\nDROP TABLE scratch;\n");
      const refused = await runKanvas(["db", "migrate", `--${target}`], { cwd: p.dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("refusing without --allow-destructive (or --yes)");
      const r = await runKanvas(["db", "migrate", `--${target}`, "--yes", "--json"], { cwd: p.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).applied.map((a: { name: string }) => a.name)).toEqual(["0100_drop.sql"]);
    });
  }
});

/**
 * Issue 10 §1-2: every leaf declares each flag once. For every command in the tree, the options
 * Commander declares and the keys its parser accepts are the same set, the defaults agree (what
 * Commander fills in parses to what the parser gives for an absent flag), an unknown key is
 * refused, and the tree lists the leaf with the leaf's own description.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { commanderOption, leafFlags } from "../src/cli.js";
import type { CommandDefinition } from "../src/commands/define.js";
import { argSyntax } from "../src/commands/spec/flag.js";
import { commandTree, type CommandNode } from "../src/commands/tree.js";
import { UsageError } from "../src/core/errors.js";
import { ownSpecs, resolveInput } from "../src/commands/resolve-input.js";

interface Leaf {
  name: string;
  node: CommandNode;
  def: CommandDefinition;
}

async function leaves(nodes: Record<string, CommandNode>, prefix: string[] = []): Promise<Leaf[]> {
  const out: Leaf[] = [];
  for (const [name, node] of Object.entries(nodes)) {
    const here = [...prefix, name];
    if (node.load) out.push({ name: here.join(" "), node, def: (await node.load()).default });
    if (node.children) out.push(...(await leaves(node.children, here)));
  }
  return out;
}

/** The Commander command the CLI builds for a leaf (its args and every option), and the values it fills in with no flags. */
function commanderFor(def: CommandDefinition) {
  const cmd = new Command("leaf").exitOverride();
  for (const [key, spec] of Object.entries(def.args ?? {})) cmd.argument(argSyntax(key, spec), spec.description);
  const options = Object.entries(leafFlags(def)).map(([key, spec]) => ({ key, spec, option: commanderOption(key, spec) }));
  for (const o of options) cmd.addOption(o.option);
  // Options only: arguments are checked by name below (a required one would stop the parse).
  const bare = new Command("bare").exitOverride();
  for (const o of options) bare.addOption(commanderOption(o.key, o.spec));
  bare.parse([], { from: "user" });
  return { cmd, options, filled: bare.opts() as Record<string, unknown> };
}

const all = await leaves(commandTree);

describe("each command's Commander options and its parsed input agree", () => {
  it("finds every leaf", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  for (const { name, def } of all) {
    it(`${name}: same keys, same defaults, unknown keys refused`, async () => {
      const { cmd, options, filled } = commanderFor(def);
      // Commander's attribute for each option is the spec's key (--no-check → check, --dry-run → dryRun).
      for (const o of options) expect(o.option.attributeName(), o.option.flags).toBe(o.key);
      expect(cmd.registeredArguments.map((a) => a.name())).toEqual(Object.keys(def.args ?? {}));

      // The keys the parser accepts = the arguments + the options Commander declares, minus the runner's own.
      const own = ownSpecs(def);
      const declared = [...Object.keys(def.args ?? {}), ...options.filter((o) => !o.spec.global).map((o) => o.key)];
      expect(Object.keys(own).sort()).toEqual(declared.sort());

      // Defaults: what Commander fills in for an absent flag parses to what the parser gives for "not given".
      for (const [key, spec] of Object.entries(own)) {
        if (def.args?.[key]) continue;
        const field = spec.field(z, { name: `--${key}`, cwd: process.cwd() });
        const fromCommander = field.safeParse(filled[key]);
        const absent = field.safeParse(undefined);
        expect(fromCommander.success, `${name} --${key}`).toBe(absent.success);
        if (absent.success) expect(fromCommander.data, `${name} --${key}`).toEqual(absent.data);
        // A default shown in help is one the parser accepts.
        if (spec.default !== undefined) expect(field.safeParse(spec.default).success, `${name} --${key} default`).toBe(true);
      }

      // An unknown key is refused, naming it, never silently dropped.
      const refused = resolveInput(def, [], { notAFlag: "x" }, process.cwd());
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(/--not-a-flag: not an option of this command/);
    });
  }
});

describe("one description per command", () => {
  for (const { name, node, def } of all) {
    it(`${name}: the tree lists the leaf's own description`, () => {
      expect(node.description).toBe(def.description);
    });
  }
});

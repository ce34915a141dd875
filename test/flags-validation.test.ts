import { describe, expect, it } from "vitest";
import { errorLine, localTarget, remoteTarget, useFakeCloudflare, type FlagsTarget } from "./helpers/flags-targets.js";

const getFake = useFakeCloudflare();

const SEED = JSON.stringify({
  version: 1,
  flags: {
    "new-checkout": { enabled: true, rollout: 25, allow: ["u1"], deny: [], updatedAt: "2026-12-01T10:00:00.000Z", updatedBy: "ops" },
    "dark-mode": { enabled: false, rollout: 100, allow: [], deny: [], updatedAt: "2026-12-01T10:00:00.000Z", updatedBy: "ops" },
  },
});

/** Runs a bad input: exit code, one `error:` line matching `text`, nothing on stdout (or only the --json envelope). */
async function refused(t: FlagsTarget, args: string[], code: number, text: RegExp | string) {
  const r = await t.run(args);
  expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(code);
  const line = errorLine(r);
  if (typeof text === "string") expect(line).toContain(text);
  else expect(line).toMatch(text);
  expect(r.stdout).toBe("");
  return r;
}

describe("flags bad input: one line, the right exit code, nothing written", () => {
  it("refuses bad names, rollouts, user ids and --file documents before touching KV (exit 2)", { timeout: 600_000 }, async () => {
    const t = localTarget();
    await t.plant(SEED);
    const cases: Array<[string[], RegExp | string]> = [
      [["flags", "get", "Beta!"], /<name> "Beta!": flag names are 1-64 characters of a-z, 0-9/],
      [["flags", "enable", "new checkout", "--create", "--yes"], '<name> "new checkout": flag names'],
      [["flags", "enable", ".hidden", "--create", "--yes"], '<name> ".hidden": flag names'],
      [["flags", "enable", "x".repeat(65), "--create", "--yes"], "flag names are 1-64 characters"],
      [["flags", "rollout", "new-checkout", "101", "--yes"], '<percent> "101": a rollout is a whole number from 0 to 100'],
      [["flags", "rollout", "new-checkout", "-1", "--yes"], '<percent> "-1": a rollout is a whole number from 0 to 100'],
      [["flags", "rollout", "new-checkout", "abc", "--yes"], '<percent> "abc": a rollout is a whole number'],
      [["flags", "rollout", "new-checkout", "2.5%", "--yes"], '<percent> "2.5%": a rollout is a whole number'],
      [["flags", "rollout", "new-checkout", "", "--yes"], '<percent> "": a rollout'],
      [["flags", "allow", "new-checkout", "ok", "a/b", "--yes"], '[userIds...] "a/b" contains "/"'],
      [["flags", "deny", "new-checkout", "tab\there", "--yes"], '[userIds...] "tab\\there" contains control characters'],
      [["flags", "allow", "new-checkout", "", "--yes"], '[userIds...] "" is empty'],
      [["flags", "allow", "new-checkout", "--yes"], "[userIds...]: give at least one user id"],
      [["flags", "eval", "new-checkout", "--user", "u/1"], '--user "u/1" contains "/"'],
      [["flags", "eval", "new-checkout"], "--user: is required"],
      [["flags", "set", "--yes"], "--file: is required"],
      [["flags", "set", "--file", "missing.json", "--yes"], "--file missing.json: no such file"],
    ];
    const files: Array<[string, unknown, string]> = [
      ["not-json.json", "{ version: 1 ", "--file not-json.json: (the whole document): not valid JSON"],
      ["v2.json", { version: 2, flags: {} }, "--file v2.json: version: must be 1"],
      ["array.json", [], "--file array.json: (top level): "],
      ["rollout.json", { version: 1, flags: { beta: { enabled: true, rollout: 101, allow: [], deny: [] } } }, "--file rollout.json: flags.beta.rollout: must be at most 100"],
      ["typo.json", { version: 1, flags: { beta: { enabeld: true, enabled: true, rollout: 1, allow: [], deny: [] } } }, '--file typo.json: flags.beta: unknown field "enabeld"'],
      ["missing.json2", { version: 1, flags: { beta: { enabled: true, rollout: 1, allow: [] } } }, "--file missing.json2: flags.beta.deny: must be an array of user ids"],
      ["name.json", { version: 1, flags: { "Bad Name": { enabled: true, rollout: 1, allow: [], deny: [] } } }, '--file name.json: flags["Bad Name"]: flag name "Bad Name": flag names are'],
      ["users.json", { version: 1, flags: { beta: { enabled: true, rollout: 1, allow: ["ok", "a/b"], deny: [] } } }, '--file users.json: flags.beta.allow[1]: user id "a/b" contains "/"'],
      ["dup.json", { version: 1, flags: { beta: { enabled: true, rollout: 1, allow: [], deny: ["x", "x"] } } }, '--file dup.json: flags.beta.deny[1]: user id "x" is listed twice'],
      ["type.json", { version: 1, flags: { "beta.v2": { enabled: "yes", rollout: 1, allow: [], deny: [] } } }, '--file type.json: flags["beta.v2"].enabled: must be true or false'],
    ];
    for (const [name, content] of files) t.project.write(name, typeof content === "string" ? content : JSON.stringify(content));
    for (const [name, , text] of files) cases.push([["flags", "set", "--file", name, "--yes"], text]);

    for (const [args, text] of cases) {
      const r = await refused(t, args, 2, text);
      expect(r.stderr, args.join(" ")).not.toContain("Target:"); // refused in the resolve step: no KV client started
    }
    expect(await t.stored()).toBe(SEED);
    expect(t.audit()).toEqual([]);
  });

  it("a bad [vars] KANVAS_FLAGS_KEY is a config error (exit 2) naming the var", async () => {
    for (const [value, text] of [
      ['""', "[vars] KANVAS_FLAGS_KEY in wrangler.toml is empty"],
      ["5", "[vars] KANVAS_FLAGS_KEY in wrangler.toml must be a string"],
    ] as const) {
      const t = localTarget(`KANVAS_FLAGS_KEY = ${value}\n`);
      await refused(t, ["flags", "list"], 2, text);
    }
  });

  describe.each([
    ["local", () => localTarget()],
    ["remote", () => remoteTarget(getFake())],
  ] as const)("on %s", (_label, makeTarget) => {
    it("an unknown flag exits 4 listing the close names, and writes nothing", { timeout: 600_000 }, async () => {
      const t = makeTarget();
      await t.plant(SEED);
      await refused(t, ["flags", "get", "new-chekout"], 4, 'flag "new-chekout" not found in KV key "flags" in KANVAS_CACHE');
      await refused(t, ["flags", "enable", "dark-mod", "--yes"], 4, /did you mean dark-mode\? Add --create to create it\.$/);
      await refused(t, ["flags", "rollout", "checkout", "10", "--yes"], 4, "did you mean new-checkout?");
      await refused(t, ["flags", "deny", "zzz", "u1", "--yes"], 4, "no name is close; 'kanvas flags list' shows all 2.");
      await refused(t, ["flags", "delete", "new-checkou", "--yes"], 4, "did you mean new-checkout?");
      const r = await t.run(["flags", "eval", "darkmode", "--user", "u1", "--json"]);
      expect(r.code).toBe(4);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "flag_not_found", message: expect.stringContaining("did you mean dark-mode?") });
      expect(await t.stored()).toBe(SEED);
      expect(t.audit()).toEqual([]);
    });

    it("a stored document that fails validation exits 5 with the field and the fix, and is never overwritten silently", { timeout: 600_000 }, async () => {
      const t = makeTarget();
      const bad = SEED.replace('"enabled":false', '"enabled":"no"');
      await t.plant(bad);
      const remote = t.name === "remote" ? " --remote" : "";
      for (const args of [["flags", "list"], ["flags", "get", "dark-mode"], ["flags", "export"], ["flags", "eval", "dark-mode", "--user", "u1"], ["flags", "enable", "new-checkout", "--yes"], ["flags", "delete", "dark-mode", "--yes"]]) {
        const line = errorLine(await refused(t, args, 5, `KV key "flags" in KANVAS_CACHE (${t.name}) does not follow the flags contract: flags.dark-mode.enabled: must be true or false.`));
        expect(line).toContain(`kanvas leaves it untouched: save it with 'kanvas cache get flags${remote} > flags.json', fix flags.dark-mode.enabled, then write it back with 'kanvas flags set --file flags.json${remote}'.`);
      }
      await t.plant("not json at all");
      await refused(t, ["flags", "allow", "new-checkout", "u2", "--yes"], 5, "does not follow the flags contract: (the whole document): not valid JSON");
      expect(await t.stored()).toBe("not json at all");
      expect(t.audit()).toEqual([]);

      // The explicit way out: set --file replaces it, after saying so, and only when confirmed.
      t.project.write("fixed.json", SEED);
      let r = await t.run(["flags", "set", "--file", "fixed.json"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("fails validation ((the whole document): not valid JSON");
      expect(await t.stored()).toBe("not json at all");
      r = await t.run(["flags", "set", "--file", "fixed.json", "--yes"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("this replaces it whole");
      expect(JSON.parse((await t.stored())!).flags["dark-mode"]).toMatchObject({ enabled: false });
      expect(t.audit().map((a) => [a.command, a.outcome, a.details.replacedInvalid])).toEqual([["flags set", "ok", true]]);
    });
  });
});

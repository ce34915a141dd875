import { describe, expect, it } from "vitest";
import { errorLine, localTarget, remoteTarget, useFakeCloudflare, type FlagsTarget } from "./helpers/flags-targets.js";

const getFake = useFakeCloudflare();
const targets: Array<[string, () => FlagsTarget]> = [
  ["local (Miniflare)", () => localTarget()],
  ["remote (fake Cloudflare API)", () => remoteTarget(getFake())],
];

describe.each(targets)("kanvas flags on %s", (_label, makeTarget) => {
  it("creates, changes, lists, reads, evaluates and deletes flags; the stored document follows the contract", { timeout: 600_000 }, async () => {
    const t = makeTarget();
    let r = await t.run(["flags", "list"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no flags");
    expect(r.stderr).toContain(`Target: ${t.name}`);

    r = await t.run(["flags", "enable", "new-checkout", "--create", "--description", "one-page checkout", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("+ new-checkout (new flag): enabled true, rollout 100%, allow [], deny [], description \"one-page checkout\"");
    r = await t.run(["flags", "enable", "dark-mode", "--create", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const darkModeStamp = JSON.parse((await t.stored())!).flags["dark-mode"];

    r = await t.run(["flags", "rollout", "new-checkout", "25%", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("~ new-checkout: rollout 100% → 25%");
    expect(JSON.parse(r.stdout)).toEqual({
      key: "flags",
      target: t.name,
      changes: [{ flag: "new-checkout", change: "changed", fields: [{ field: "rollout", before: 100, after: 25 }] }],
      dryRun: false,
      written: true,
      verified: "ok",
    });
    for (const args of [
      ["flags", "allow", "new-checkout", "tester@example.com", "google-oauth2|1", "u:1", "--yes"],
      ["flags", "deny", "new-checkout", "u_bad", "--yes"],
      ["flags", "allow", "new-checkout", "u:1", "--remove", "--yes"],
    ]) {
      r = await t.run(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    expect(r.stderr).toContain('~ new-checkout: allow -"u:1"');

    const doc = JSON.parse((await t.stored())!);
    expect(doc).toEqual({
      version: 1,
      flags: {
        "dark-mode": darkModeStamp, // untouched by changes to other flags, stamps included
        "new-checkout": {
          enabled: true,
          rollout: 25,
          allow: ["tester@example.com", "google-oauth2|1"],
          deny: ["u_bad"],
          description: "one-page checkout",
          updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          updatedBy: expect.any(String),
        },
      },
    });
    expect(darkModeStamp).toMatchObject({ enabled: true, rollout: 100, allow: [], deny: [] });
    expect(Date.parse(doc.flags["new-checkout"].updatedAt)).toBeGreaterThanOrEqual(Date.parse(darkModeStamp.updatedAt));

    r = await t.run(["flags", "list"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(["NAME", "STATE", "ROLLOUT", "ALLOW", "DENY", "UPDATED", "BY"]);
    expect(rows[1]!.slice(0, 6)).toEqual(["dark-mode", "on", "100%", "0", "0", darkModeStamp.updatedAt]);
    expect(rows[2]!.slice(0, 6)).toEqual(["new-checkout", "on for 25%", "25%", "2", "1", doc.flags["new-checkout"].updatedAt]);
    r = await t.run(["flags", "list", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual(Object.entries(doc.flags).map(([name, f]) => ({ target: t.name, name, ...(f as object) })));

    r = await t.run(["flags", "get", "new-checkout"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("state:       on for 25%");
    expect(r.stdout).toContain('allow:       "tester@example.com", "google-oauth2|1"');
    expect(r.stdout).toContain("description: one-page checkout");
    r = await t.run(["flags", "export"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(doc);

    r = await t.run(["flags", "eval", "new-checkout", "--user", "u_bad", "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ on: false, reason: "denied" });
    r = await t.run(["flags", "eval", "new-checkout", "--user", "google-oauth2|1"]);
    expect(r.stdout).toBe("on\n");
    expect(r.stderr).toContain('new-checkout for "google-oauth2|1": on (allowed)');
    r = await t.run(["flags", "disable", "dark-mode", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    r = await t.run(["flags", "eval", "dark-mode", "--user", "u_1"]);
    expect([r.code, r.stdout]).toEqual([0, "off\n"]);
    expect(r.stderr).toContain("off (disabled)");

    r = await t.run(["flags", "delete", "dark-mode", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("- dark-mode (deleted; was enabled false, rollout 100%");
    r = await t.run(["flags", "get", "dark-mode"]);
    expect(r.code).toBe(4);
    expect(Object.keys(JSON.parse((await t.stored())!).flags)).toEqual(["new-checkout"]);

    const audit = t.audit();
    expect(audit.map((a) => [a.command, a.outcome, a.target, a.details.flags])).toEqual([
      ["flags enable", "ok", t.name, ["new-checkout"]],
      ["flags enable", "ok", t.name, ["dark-mode"]],
      ["flags rollout", "ok", t.name, ["new-checkout"]],
      ["flags allow", "ok", t.name, ["new-checkout"]],
      ["flags deny", "ok", t.name, ["new-checkout"]],
      ["flags allow", "ok", t.name, ["new-checkout"]],
      ["flags disable", "ok", t.name, ["dark-mode"]],
      ["flags delete", "ok", t.name, ["dark-mode"]],
    ]);
    const rollout = audit[2]!;
    expect(rollout.user).toBe(doc.flags["new-checkout"].updatedBy);
    expect(rollout.details.before["new-checkout"]).toMatchObject({ rollout: 100 });
    expect(rollout.details.after["new-checkout"]).toMatchObject({ rollout: 25 });
    expect(audit[7]!.details.after).toEqual({ "dark-mode": null });
  });

  it("replaces the document from --file (stamping changed flags), and --dry-run, no --yes, CI without a target and no-op changes write nothing", { timeout: 600_000 }, async () => {
    const t = makeTarget();
    t.project.write(
      "flags.json",
      JSON.stringify({ version: 1, flags: { beta: { enabled: true, rollout: 10, allow: [], deny: [] }, keep: { enabled: false, rollout: 50, allow: ["u1"], deny: [] } } }),
    );
    let r = await t.run(["flags", "set", "--file", "flags.json", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const first = await t.stored();
    const keepStamp = JSON.parse(first!).flags.keep.updatedAt;
    expect(keepStamp).toEqual(expect.any(String));

    // Edited export: beta changes, keep does not (it keeps its stamps).
    const exported = JSON.parse((await t.run(["flags", "export"])).stdout);
    exported.flags.beta.rollout = 30;
    exported.flags.beta.updatedBy = "someone-else"; // kanvas stamps changed flags itself
    t.project.write("flags.json", JSON.stringify(exported));
    r = await t.run(["flags", "set", "--file", "flags.json", "--dry-run", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, written: false, changes: [{ flag: "beta", fields: [{ field: "rollout", before: 10, after: 30 }] }] });
    expect(r.stderr).toContain("~ beta: rollout 10% → 30%");
    expect(r.stderr).toContain("dry run: nothing was written");
    expect(await t.stored()).toBe(first);

    r = await t.run(["flags", "set", "--file", "flags.json"]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toContain("refusing without --yes");
    expect(await t.stored()).toBe(first);

    r = await t.runBare(["flags", "rollout", "beta", "30", "--yes"], { env: { CI: "true" } });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toContain("CI is set and 'kanvas flags rollout' writes, but neither --local nor --remote was given");
    expect(await t.stored()).toBe(first);

    r = await t.run(["flags", "set", "--file", "flags.json", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const after = JSON.parse((await t.stored())!);
    expect(after.flags.keep.updatedAt).toBe(keepStamp);
    expect(after.flags.beta).toMatchObject({ rollout: 30, updatedBy: t.audit().at(-1)!.user });
    expect(after.flags.beta.updatedBy).not.toBe("someone-else");

    const beforeNoop = await t.stored();
    r = await t.run(["flags", "rollout", "beta", "30", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("nothing to change");
    expect(await t.stored()).toBe(beforeNoop);

    // Reads are fine in CI without a target; only writes must name one.
    r = await t.run(["flags", "get", "beta", "--json"], { env: { CI: "1" } });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout))[0]).toBe("target");
    expect(t.audit().map((a) => [a.command, a.outcome])).toEqual([
      ["flags set", "ok"],
      ["flags set", "dry-run"],
      ["flags set", "ok"],
    ]);
  });
});

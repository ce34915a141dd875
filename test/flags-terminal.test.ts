import { describe, expect, it } from "vitest";
import { localTarget } from "./helpers/flags-targets.js";
import { runInTerminal } from "./helpers/terminal.js";

describe("flags at a terminal", { timeout: 600_000 }, () => {
  it("shows the diff and asks: no writes nothing (exit 130), yes writes", async () => {
    const t = localTarget();
    expect((await t.run(["flags", "enable", "beta", "--create", "--yes"])).code).toBe(0);
    const before = await t.stored();
    const question = 'Apply 1 flag change(s) to KV key "flags" in KANVAS_CACHE (local)?';
    const no = await runInTerminal(["flags", "rollout", "beta", "25"], { cwd: t.project.dir, answers: [{ when: question, type: "n" }] });
    expect(no.code, no.screen).toBe(130);
    expect(no.screen).toContain("~ beta: rollout 100% → 25%");
    expect(no.screen).toContain("Cancelled; nothing was written.");
    expect(await t.stored()).toBe(before);

    const yes = await runInTerminal(["flags", "rollout", "beta", "25"], { cwd: t.project.dir, answers: [{ when: question, type: "y" }] });
    expect(yes.code, yes.screen).toBe(0);
    expect(JSON.parse((await t.stored())!).flags.beta.rollout).toBe(25);
    expect(t.audit().map((a) => [a.command, a.outcome])).toEqual([
      ["flags enable", "ok"],
      ["flags rollout", "ok"],
    ]);
  });
});

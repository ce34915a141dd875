import { checkFlagName } from "../../domain/flags/names.js";
import { stateOf } from "../../domain/flags/render.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "print one flag",
  examples: ["kanvas flags get new-checkout", "kanvas flags get new-checkout --remote --json"],
  notes: "Exit codes: 0 found, 4 no such flag (close names are listed), 5 the document fails validation.",
  args: { name: text("the flag's name", { required: true }) },
  flags: target,
  access: "read",
  async run(input, ctx) {
    const { openFlags } = await import("../../domain/flags/change.js");
    const { findFlag } = await import("../../domain/flags/store.js");
    const name = checkFlagName(input.name);
    const { at, stored } = await openFlags(ctx);
    const flag = findFlag(stored.doc, name, at);
    const f = { name, ...flag };
    return {
      data: f,
      human: () => {
        const list = (ids: string[]) => (ids.length ? ids.map((u) => JSON.stringify(u)).join(", ") : "(none)");
        ctx.out.println(`name:        ${f.name}`);
        ctx.out.println(`state:       ${stateOf(f)}`);
        ctx.out.println(`enabled:     ${f.enabled}`);
        ctx.out.println(`rollout:     ${f.rollout}%`);
        ctx.out.println(`allow:       ${list(f.allow)}`);
        ctx.out.println(`deny:        ${list(f.deny)}`);
        if (f.description !== undefined) ctx.out.println(`description: ${f.description}`);
        ctx.out.println(`updated:     ${f.updatedAt} by ${f.updatedBy}`);
      },
    };
  },
});

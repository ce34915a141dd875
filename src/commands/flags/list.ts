import { stateOf } from "../../domain/flags/render.js";
import { defineCommand } from "../define.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "list the feature flags: state, rollout, allow/deny counts, last change",
  examples: ["kanvas flags list", "kanvas flags list --remote --json"],
  notes: "Reads the flags document (KV key \"flags\" in KANVAS_CACHE, or [vars] KANVAS_FLAGS_KEY). A document that fails validation exits 5 with the field and the fix.",
  flags: target,
  access: "read",
  async run(_input, ctx) {
    const { openFlags } = await import("../../domain/flags/change.js");
    const { describeLocation } = await import("../../domain/flags/store.js");
    const { at, stored } = await openFlags(ctx);
    const flags = Object.entries(stored.doc.flags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, f]) => ({ name, ...f }));
    return {
      data: flags,
      human: () => {
        if (!flags.length) {
          ctx.out.info(`no flags in ${describeLocation(at)}${stored.state === "missing" ? " (the key does not exist yet)" : ""}; create one with 'kanvas flags enable <name> --create'.`);
          return;
        }
        ctx.out.table(
          ["NAME", "STATE", "ROLLOUT", "ALLOW", "DENY", "UPDATED", "BY"],
          flags.map((f) => [f.name, stateOf(f), `${f.rollout}%`, f.allow.length, f.deny.length, f.updatedAt, f.updatedBy]),
        );
      },
    };
  },
});

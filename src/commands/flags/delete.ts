import { checkFlagName } from "../../domain/flags/names.js";
import { CHANGE_NOTES } from "./options.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "delete a flag (the app then sees it as missing: off)",
  examples: ["kanvas flags delete old-banner", "kanvas flags delete old-banner --remote --yes"],
  notes: `Exit 4 for a flag that does not exist (close names are listed).\n${CHANGE_NOTES}`,
  args: { name: text("the flag's name", { required: true }) },
  flags: { ...target, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const { changeFlags } = await import("../../domain/flags/change.js");
    const { findFlag } = await import("../../domain/flags/store.js");
    const name = checkFlagName(input.name);
    return changeFlags(ctx, {
      yes: input.yes,
      dryRun: input.dryRun,
      mutate: (doc, at) => {
        findFlag(doc, name, at);
        const flags = { ...doc.flags };
        delete flags[name];
        return { version: 1, flags };
      },
    });
  },
});

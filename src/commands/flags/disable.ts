import { checkFlagName } from "../../domain/flags/names.js";
import { CHANGE_NOTES, editFlags } from "./options.js";
import { text } from "../spec/flag.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "turn a flag off (allowed users still get it)",
  examples: ["kanvas flags disable new-checkout", "kanvas flags disable new-checkout --dry-run", "kanvas flags disable new-checkout --remote --yes"],
  notes: `Unknown flags exit 4 (close names are listed) unless --create is given.\n${CHANGE_NOTES}`,
  args: { name: text("the flag's name", { required: true }) },
  flags: editFlags,
  access: "write",
  async run(input, ctx) {
    const { changeFlags } = await import("../../domain/flags/change.js");
    const { editFlag } = await import("../../domain/flags/edit.js");
    const name = checkFlagName(input.name);
    return changeFlags(ctx, { yes: input.yes, dryRun: input.dryRun, mutate: (doc, at) => editFlag(doc, name, at, input, (f) => ({ ...f, enabled: false })) });
  },
});

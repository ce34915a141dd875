import { checkFlagName } from "../../domain/flags/names.js";
import { CHANGE_NOTES, editFlags } from "./options.js";
import { text } from "../spec/flag.js";
import { parseRollout } from "../../domain/flags/rollout.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "set the share of users (0-100 %) an enabled flag is on for",
  examples: ["kanvas flags rollout new-checkout 25", "kanvas flags rollout new-checkout 10% --remote --yes", "kanvas flags rollout new-checkout 0 --dry-run"],
  notes:
    'A user is in the rollout when bucket < rollout, bucket = uint32_be(SHA-256("<name>:<userId>")[0..4]) % 100: raising it keeps\n' +
    `everyone who already had the flag. The rollout only applies while the flag is enabled.\n${CHANGE_NOTES}`,
  args: {
    name: text("the flag's name", { required: true }),
    percent: text("0 to 100, e.g. 25 or 25%", { required: true }),
  },
  flags: editFlags,
  access: "write",
  async run(input, ctx) {
    const { changeFlags } = await import("../../domain/flags/change.js");
    const { editFlag } = await import("../../domain/flags/edit.js");
    const name = checkFlagName(input.name);
    const rollout = parseRollout(input.percent);
    return changeFlags(ctx, { yes: input.yes, dryRun: input.dryRun, mutate: (doc, at) => editFlag(doc, name, at, input, (f) => ({ ...f, rollout })) });
  },
});

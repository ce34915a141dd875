import { z } from "zod";
import { changeFlags } from "../../flags/change.js";
import { editFlag } from "../../flags/edit.js";
import { checkFlagName } from "../../flags/names.js";
import { CHANGE_NOTES, EDIT_OPTIONS, editSchema } from "../../flags/options.js";
import { parseRollout } from "../../flags/rollout.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "set the share of users (0-100 %) an enabled flag is on for",
  examples: ["kanvas flags rollout new-checkout 25", "kanvas flags rollout new-checkout 10% --remote --yes", "kanvas flags rollout new-checkout 0 --dry-run"],
  notes:
    'A user is in the rollout when bucket < rollout, bucket = uint32_be(SHA-256("<name>:<userId>")[0..4]) % 100: raising it keeps\n' +
    `everyone who already had the flag. The rollout only applies while the flag is enabled.\n${CHANGE_NOTES}`,
  arguments: [
    { syntax: "<name>", description: "the flag's name" },
    { syntax: "<percent>", description: "0 to 100, e.g. 25 or 25%" },
  ],
  options: EDIT_OPTIONS,
  shared: ["target", "yes", "dryRun"],
  access: "write",
  schema: z.object({
    name: z.string({ error: "give the flag's name, e.g. kanvas flags rollout new-checkout 25" }),
    percent: z.string({ error: "give the rollout, e.g. kanvas flags rollout new-checkout 25" }),
    ...editSchema,
  }),
  async run(input, ctx) {
    const name = checkFlagName(input.name);
    const rollout = parseRollout(input.percent);
    return changeFlags(ctx, { command: "flags rollout", yes: input.yes, dryRun: input.dryRun, mutate: (doc, at) => editFlag(doc, name, at, input, (f) => ({ ...f, rollout })) });
  },
});

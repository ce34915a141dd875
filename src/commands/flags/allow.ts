import { z } from "zod";
import { changeList } from "../../flags/lists.js";
import { CHANGE_NOTES, EDIT_OPTIONS, editSchema } from "../../flags/options.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "turn a flag on for these users whatever its state and rollout (--remove to take them off)",
  examples: ["kanvas flags allow new-checkout tester@example.com u_123", "kanvas flags allow new-checkout u_123 --remove --remote --yes"],
  notes: `Users in the deny list stay off (deny wins). User ids are any text without "/" or control characters (":" and "|" are fine).\n${CHANGE_NOTES}`,
  arguments: [
    { syntax: "<name>", description: "the flag's name" },
    { syntax: "[userIds...]", description: "user ids as the app stores them (at least one)" },
  ],
  options: [{ flags: "--remove", description: "take these users off the allow list" }, ...EDIT_OPTIONS],
  shared: ["target", "yes", "dryRun"],
  access: "write",
  schema: z.object({
    name: z.string({ error: "give the flag's name, e.g. kanvas flags allow new-checkout u_123" }),
    userIds: z.array(z.string()).min(1, "give at least one user id, e.g. kanvas flags allow new-checkout u_123"),
    remove: z.boolean().optional(),
    ...editSchema,
  }),
  run: (input, ctx) => changeList(ctx, "allow", input),
});

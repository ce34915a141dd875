import { z } from "zod";
import { changeList } from "../../flags/lists.js";
import { CHANGE_NOTES, EDIT_OPTIONS, editSchema } from "../../flags/options.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "keep a flag off for these users, whatever else says (--remove to take them off)",
  examples: ["kanvas flags deny new-checkout u_456", "kanvas flags deny new-checkout u_456 --remove --remote --yes"],
  notes: `Deny wins over allow and rollout. User ids are any text without "/" or control characters (":" and "|" are fine).\n${CHANGE_NOTES}`,
  arguments: [
    { syntax: "<name>", description: "the flag's name" },
    { syntax: "[userIds...]", description: "user ids as the app stores them (at least one)" },
  ],
  options: [{ flags: "--remove", description: "take these users off the deny list" }, ...EDIT_OPTIONS],
  shared: ["target", "yes", "dryRun"],
  access: "write",
  schema: z.object({
    name: z.string({ error: "give the flag's name, e.g. kanvas flags deny new-checkout u_456" }),
    userIds: z.array(z.string()).min(1, "give at least one user id, e.g. kanvas flags deny new-checkout u_456"),
    remove: z.boolean().optional(),
    ...editSchema,
  }),
  run: (input, ctx) => changeList(ctx, "deny", input),
});

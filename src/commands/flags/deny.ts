import { CHANGE_NOTES, editFlags } from "./options.js";
import { bool, list, text } from "../spec/flag.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "keep a flag off for these users, whatever else says (--remove to take them off)",
  examples: ["kanvas flags deny new-checkout u_456", "kanvas flags deny new-checkout u_456 --remove --remote --yes"],
  notes: `Deny wins over allow and rollout. User ids are any text without "/" or control characters (":" and "|" are fine).\n${CHANGE_NOTES}`,
  args: {
    name: text("the flag's name", { required: true }),
    userIds: list("user ids as the app stores them (at least one)", { min: { count: 1, message: "give at least one user id, e.g. kanvas flags deny new-checkout u_456" } }),
  },
  flags: { remove: bool("take these users off the deny list"), ...editFlags },
  access: "write",
  async run(input, ctx) {
    const { changeList } = await import("../../domain/flags/lists.js");
    return changeList(ctx, "deny", input);
  },
});

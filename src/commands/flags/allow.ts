import { CHANGE_NOTES, editFlags } from "./options.js";
import { bool, list, text } from "../spec/flag.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "turn a flag on for these users whatever its state and rollout (--remove to take them off)",
  examples: ["kanvas flags allow new-checkout tester@example.com u_123", "kanvas flags allow new-checkout u_123 --remove --remote --yes"],
  notes: `Users in the deny list stay off (deny wins). User ids are any text without "/" or control characters (":" and "|" are fine).\n${CHANGE_NOTES}`,
  args: {
    name: text("the flag's name", { required: true }),
    userIds: list("user ids as the app stores them (at least one)", { min: { count: 1, message: "give at least one user id, e.g. kanvas flags allow new-checkout u_123" } }),
  },
  flags: { remove: bool("take these users off the allow list"), ...editFlags },
  access: "write",
  async run(input, ctx) {
    const { changeList } = await import("../../domain/flags/lists.js");
    return changeList(ctx, "allow", input);
  },
});

import { evaluateFlag } from "../../domain/flags/evaluate.js";
import { checkFlagName } from "../../domain/flags/names.js";
import { checkUserId } from "../../core/user-id.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "say whether a flag is on for a user, and why",
  examples: ["kanvas flags eval new-checkout --user u_123", "kanvas flags eval new-checkout --user u_123 --remote --json"],
  notes:
    'Prints "on" or "off" on stdout and the reason on stderr: denied, allowed, disabled, or "bucket 37 < rollout 50".\n' +
    "The same evaluation the app runs: deny wins, then allow, then enabled && bucket < rollout, where\n" +
    'bucket = uint32_be(first 4 bytes of SHA-256("<name>:<userId>")) % 100. Exit 0 either way; 4 no such flag.',
  args: { name: text("the flag's name", { required: true }) },
  flags: { user: text("the user's id as the app stores it", { placeholder: "<id>", required: "is required: the user to evaluate for, e.g. --user u_123" }), ...target },
  access: "read",
  async run(input, ctx) {
    const { openFlags } = await import("../../domain/flags/change.js");
    const { findFlag } = await import("../../domain/flags/store.js");
    const name = checkFlagName(input.name);
    const userId = checkUserId(input.user, "--user");
    const { at, stored } = await openFlags(ctx);
    const flag = findFlag(stored.doc, name, at);
    const result = await evaluateFlag(name, flag, userId);
    return {
      data: { name, userId, ...result },
      human: () => {
        ctx.out.println(result.on ? "on" : "off");
        ctx.out.info(`${name} for ${JSON.stringify(userId)}: ${result.on ? "on" : "off"} (${result.why})`);
      },
    };
  },
});

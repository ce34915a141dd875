import { describeRule, LIFECYCLE_REMOTE_ONLY } from "../../domain/images/lifecycle.js";
import { defineCommand } from "../define.js";
import { r2RemoteOnly } from "../spec/shared.js";

export default defineCommand({
  description: "print the bucket's lifecycle rules (remote only: R2's S3 API)",
  examples: ["kanvas images lifecycle get --remote", "kanvas images lifecycle get --remote --json > lifecycle.json"],
  notes: "--json prints {target, bucket, Rules: [...]}, which 'kanvas images lifecycle set' takes back. Needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (an R2 API token), not CLOUDFLARE_API_TOKEN.",
  flags: r2RemoteOnly,
  access: "read",
  async run(_input, ctx) {
    const lifecycle = ctx.r2Lifecycle(LIFECYCLE_REMOTE_ONLY);
    const r2 = await ctx.r2();
    const rules = await lifecycle.getLifecycle();
    return {
      data: { bucket: r2.bucket, Rules: rules },
      human: () => {
        if (!rules.length) return ctx.out.info(`${r2.bucket} has no lifecycle rules.`);
        for (const r of rules) ctx.out.println(describeRule(r));
      },
    };
  },
});

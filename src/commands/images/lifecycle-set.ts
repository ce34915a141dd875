import path from "node:path";
import { InterruptedError } from "../../core/errors.js";
import { describeRule, LIFECYCLE_REMOTE_ONLY, readLifecycleFile } from "../../domain/images/lifecycle.js";
import { defineCommand } from "../define.js";
import { bool, text } from "../spec/flag.js";
import { dryRun, r2RemoteOnly, yes } from "../spec/shared.js";

export default defineCommand({
  description: "replace the bucket's lifecycle rules from a JSON file (remote only: R2's S3 API)",
  examples: ["kanvas images lifecycle set lifecycle.json --remote", "kanvas images lifecycle set lifecycle.json --remote --dry-run"],
  notes:
    'The file: an array of rules or {"Rules": [...]} (as `lifecycle get --json` prints). A rule: ID, Status (Enabled|Disabled), Filter.Prefix,\nExpiration.Days (or .Date) and/or AbortIncompleteMultipartUpload.DaysAfterInitiation. The whole file is checked before anything is sent.\nA rule that expires objects under uploads/ is refused (rules cannot see D1 references: use images cleanup) unless --allow-uploads.\nAsks before replacing; needs --yes where no one can answer. Needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, not CLOUDFLARE_API_TOKEN.',
  args: { file: text("lifecycle rules as JSON", { required: true }) },
  flags: { allowUploads: bool("allow rules that expire objects under the app's uploads/"), ...r2RemoteOnly, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const lifecycle = ctx.r2Lifecycle(LIFECYCLE_REMOTE_ONLY);
    const rules = await readLifecycleFile(path.resolve(ctx.io.cwd, input.file), input.file, { allowUploads: input.allowUploads });
    const r2 = await ctx.r2();
    const before = await lifecycle.getLifecycle();
    if (input.dryRun) {
      const human = () => {
        for (const r of rules) ctx.out.println(describeRule(r));
        ctx.out.info(`Dry run: ${rules.length} rule(s) in ${input.file} are valid; ${r2.bucket}'s ${before.length} rule(s) were not changed.`);
      };
      return { data: { dryRun: true, bucket: r2.bucket, before, Rules: rules }, human };
    }
    const ok = await ctx.confirm(`Replace ${before.length} lifecycle rule(s) on ${r2.bucket} with ${rules.length} from ${input.file}?`, { yes: input.yes, what: "images lifecycle set replaces the bucket's lifecycle rules", cancelled: "Cancelled; the lifecycle rules were not changed." });
    if (!ok) throw new InterruptedError("Not confirmed; the lifecycle rules were not changed.");
    const audit = { counts: { before: before.length, after: rules.length }, details: { bucket: r2.bucket, rules } };
    ctx.auditing(audit); // a failed put is audited too (error / interrupted)
    await lifecycle.putLifecycle(rules);
    return {
      data: { bucket: r2.bucket, replaced: before.length, Rules: rules },
      audit,
      human: () => ctx.out.success(`${r2.bucket}: ${rules.length} lifecycle rule(s) set${before.length ? ` (replaced ${before.length})` : ""}.`),
    };
  },
});

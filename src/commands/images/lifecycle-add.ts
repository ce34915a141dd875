import { InterruptedError, UsageError } from "../../core/errors.js";
import { describeRule, LIFECYCLE_REMOTE_ONLY, validateRules } from "../../domain/images/lifecycle.js";
import { defineCommand } from "../define.js";
import { bool, count, text } from "../spec/flag.js";
import { dryRun, r2RemoteOnly, yes } from "../spec/shared.js";

const days = (description: string, flag: string) => count(description, { min: 0, notWhole: `${flag} takes a whole number of days, e.g. 7`, outOfRange: `${flag} takes a whole number of days, e.g. 7` });

export default defineCommand({
  description: "add (or replace, by ID) one lifecycle rule for a prefix (remote only: R2's S3 API)",
  examples: [
    "kanvas images lifecycle add --prefix staging/ --expire-days 7 --remote",
    "kanvas images lifecycle add --prefix '' --abort-multipart-days 1 --id abort-stale-uploads --remote",
  ],
  notes:
    "The other rules are kept. A rule with the same ID (default: kanvas-<prefix>) is replaced.\nRules know nothing of D1 references: good for staging prefixes and unfinished multipart uploads, never for uploads/ (use images cleanup).\nAn expiring rule asks first (it deletes objects); needs --yes where no one can answer. Needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY.",
  flags: {
    prefix: text("the keys the rule applies to ('' = the whole bucket)", { placeholder: "<prefix>", required: "give --prefix <prefix> ('' for the whole bucket)" }),
    expireDays: days("delete objects this many days after upload", "--expire-days"),
    abortMultipartDays: days("abort unfinished multipart uploads after this many days", "--abort-multipart-days"),
    id: text("the rule's ID (default: kanvas-<prefix>)", { placeholder: "<id>" }),
    allowUploads: bool("allow expiring objects under the app's uploads/"),
    ...r2RemoteOnly,
    ...yes,
    ...dryRun,
  },
  access: "write",
  async run(input, ctx) {
    const lifecycle = ctx.r2Lifecycle(LIFECYCLE_REMOTE_ONLY);
    if (input.expireDays === undefined && input.abortMultipartDays === undefined) throw new UsageError("give --expire-days <n> and/or --abort-multipart-days <n>: a rule needs an action.", "lifecycle_no_action");
    const id = input.id ?? `kanvas-${input.prefix || "all"}`.slice(0, 255);
    const [rule] = validateRules(
      [
        {
          ID: id,
          Status: "Enabled",
          Filter: { Prefix: input.prefix },
          ...(input.expireDays !== undefined ? { Expiration: { Days: input.expireDays } } : {}),
          ...(input.abortMultipartDays !== undefined ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: input.abortMultipartDays } } : {}),
        },
      ],
      "the new rule",
      { allowUploads: input.allowUploads },
    );
    const r2 = await ctx.r2();
    const before = await lifecycle.getLifecycle();
    const replaced = before.find((r) => r.ID === id);
    const rules = [...before.filter((r) => r.ID !== id), rule!];
    if (input.dryRun) {
      const human = () => {
        ctx.out.println(`${replaced ? "would replace" : "would add"}  ${describeRule(rule!)}`);
        ctx.out.info("Dry run: the lifecycle rules were not changed.");
      };
      return { data: { dryRun: true, bucket: r2.bucket, Rules: rules }, human };
    }
    if (input.expireDays !== undefined || replaced) {
      const ok = await ctx.confirm(`${replaced ? "Replace" : "Add"} on ${r2.bucket}: ${describeRule(rule!)}?`, { yes: input.yes, what: "images lifecycle add (an expiring rule deletes objects)", cancelled: "Cancelled; the lifecycle rules were not changed." });
      if (!ok) throw new InterruptedError("Not confirmed; the lifecycle rules were not changed.");
    }
    const audit = { counts: { before: before.length, after: rules.length }, details: { bucket: r2.bucket, rule } };
    ctx.auditing(audit); // a failed put is audited too (error / interrupted)
    await lifecycle.putLifecycle(rules);
    return {
      data: { bucket: r2.bucket, added: rule, replaced: Boolean(replaced), Rules: rules },
      audit,
      human: () => ctx.out.success(`${r2.bucket}: ${replaced ? "replaced" : "added"} ${describeRule(rule!)} (${rules.length} rule(s) in all).`),
    };
  },
});

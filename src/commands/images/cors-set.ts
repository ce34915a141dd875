import path from "node:path";
import { InterruptedError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, r2RemoteOnly, yes } from "../spec/shared.js";

export default defineCommand({
  description: "replace the bucket's CORS rules from a JSON file (remote: S3 API)",
  examples: ["kanvas images cors set cors.json --remote", "kanvas images cors set cors.json --remote --dry-run"],
  notes:
    'The file: an array of rules, {"CORSRules": [...]} (aws s3api / `cors get --json`) or {"rules": [...]} (wrangler).\nA rule: AllowedOrigins, AllowedMethods (GET PUT POST DELETE HEAD), optional AllowedHeaders, ExposeHeaders, MaxAgeSeconds.\nThe file is checked whole before anything is sent; the old rules are replaced, not merged.',
  args: { file: text("CORS rules as JSON", { required: true, check: (v: string) => (v ? undefined : "give the CORS JSON file") }) },
  flags: { ...r2RemoteOnly, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const { readCorsFile } = await import("../../domain/images/cors.js");
    const rules = await readCorsFile(path.resolve(ctx.io.cwd, input.file));
    const r2 = await ctx.r2();
    if (input.dryRun) {
      return { data: { bucket: r2.bucket, dryRun: true, replaced: 0, CORSRules: rules }, human: () => ctx.out.info(`Dry run: ${rules.length} rule(s) in ${input.file} are valid; ${r2.bucket}'s CORS was not changed.`) };
    }
    const before = await r2.getCors();
    if (before.length) {
      const ok = await ctx.confirm(`Replace ${before.length} CORS rule(s) on ${r2.bucket} with ${rules.length} from ${input.file}?`, { yes: input.yes, what: "images cors set replaces the bucket's CORS rules", cancelled: "Cancelled; CORS was not changed." });
      if (!ok) throw new InterruptedError("Not confirmed; CORS was not changed.");
    }
    await r2.putCors(rules);
    return { data: { bucket: r2.bucket, dryRun: false, replaced: before.length, CORSRules: rules }, human: () => ctx.out.success(`${r2.bucket}: ${rules.length} CORS rule(s) set${before.length ? ` (replaced ${before.length})` : ""}.`) };
  },
});

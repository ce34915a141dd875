import { defineCommand } from "../define.js";
import { r2RemoteOnly } from "../spec/shared.js";

export default defineCommand({
  description: "print the bucket's CORS rules (remote: S3 API)",
  examples: ["kanvas images cors get --remote", "kanvas images cors get --remote --json > cors.json"],
  notes: "--json prints {\"CORSRules\": [...]}, which 'kanvas images cors set' takes back. The local (Miniflare) bucket has no CORS.",
  flags: r2RemoteOnly,
  access: "read",
  async run(_input, ctx) {
    const r2 = await ctx.r2();
    const rules = await r2.getCors();
    const human = () => {
      if (!rules.length) {
        ctx.out.info(`${r2.bucket} has no CORS rules.`);
        return;
      }
      rules.forEach((r, i) => {
        ctx.out.println(`rule ${i + 1}${r.ID ? ` (${r.ID})` : ""}`);
        ctx.out.println(`  origins  ${r.AllowedOrigins.join(", ")}`);
        ctx.out.println(`  methods  ${r.AllowedMethods.join(", ")}`);
        if (r.AllowedHeaders?.length) ctx.out.println(`  headers  ${r.AllowedHeaders.join(", ")}`);
        if (r.ExposeHeaders?.length) ctx.out.println(`  expose   ${r.ExposeHeaders.join(", ")}`);
        if (r.MaxAgeSeconds !== undefined) ctx.out.println(`  max age  ${r.MaxAgeSeconds} s`);
      });
    };
    return { data: { bucket: r2.bucket, CORSRules: rules }, human };
  },
});

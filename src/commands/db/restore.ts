import { z } from "zod";
import { appendAudit } from "../../audit.js";
import { UsageError, InterruptedError } from "../../errors.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "restore the remote database to a Time Travel bookmark",
  examples: ["kanvas db restore --bookmark 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683 --remote", "kanvas db restore --bookmark <B> --remote --env production --yes"],
  notes:
    "kanvas db migrate --remote prints the bookmark taken before it applied anything, with this exact command.\nRemote only (Time Travel is a Cloudflare feature). Asks first; needs --yes where no one can answer. Exit codes: 0 restored; 2 bad input or not confirmed; 4 database not found.",
  options: [{ flags: "--bookmark <bookmark>", description: "the Time Travel bookmark to restore to" }],
  shared: ["target", "yes", "dryRun"],
  access: "write",
  schema: z.object({
    bookmark: z
      .string({ error: "give the bookmark to restore, e.g. --bookmark <bookmark printed by kanvas db migrate --remote>" })
      .regex(/^[A-Za-z0-9-]{8,200}$/, { message: "not a Time Travel bookmark (letters, digits and -), as printed by kanvas db migrate --remote" }),
    yes: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  }),
  async run(input, ctx) {
    if (ctx.target !== "remote") {
      throw new UsageError("kanvas db restore works on the remote database only (Time Travel is a Cloudflare feature): add --remote.", "restore_remote_only");
    }
    const config = await ctx.config();
    const d1 = await ctx.d1();
    const current = await d1.bookmark!();
    if (input.dryRun) {
      ctx.out.result({ target: ctx.target, dryRun: true, bookmark: input.bookmark, current }, () =>
        ctx.out.println(`Would restore the remote database to ${input.bookmark} (it is at ${current} now). Dry run: nothing changed.`),
      );
      return;
    }
    const ok = await ctx.confirm(`Restore the remote D1 database to bookmark ${input.bookmark}? Changes after it are undone.`, {
      yes: input.yes,
      what: "db restore",
    });
    if (!ok) throw new InterruptedError("Not restored; nothing was changed.");
    let outcome: "ok" | "error" = "error";
    try {
      const r = await d1.restore!(input.bookmark);
      outcome = "ok";
      ctx.out.result({ target: ctx.target, restoredTo: input.bookmark, bookmark: r.bookmark, previousBookmark: r.previousBookmark ?? current }, (v) => {
        ctx.out.println(`Restored the remote database to ${v.restoredTo}.`);
        ctx.out.println(`To undo this restore: kanvas db restore --bookmark ${v.previousBookmark} --remote${config.envName ? ` --env ${config.envName}` : ""}`);
      });
    } finally {
      appendAudit(config, ctx.io.env, {
        command: "db restore",
        target: ctx.target,
        outcome,
        counts: { restored: outcome === "ok" ? 1 : 0 },
        details: { bookmark: input.bookmark, previous: current },
      });
    }
  },
});

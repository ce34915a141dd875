import { z } from "zod";
import { appendAudit } from "../../audit.js";
import { checkKey } from "../../cache/limits.js";
import { listAll } from "../../clients/kv.js";
import { ExitCode } from "../../errors.js";
import { defineCommand } from "../define.js";

export default defineCommand({
  description: "delete keys",
  examples: ["kanvas cache delete rooms:registry", "kanvas cache delete --prefix session: --dry-run", "kanvas cache delete --prefix session: --remote --yes"],
  notes:
    "Asks first at a terminal; elsewhere (no TTY, CI) needs --yes. --dry-run lists what would go. Remote: bulk delete, 10,000 keys a request.\n" +
    "Deleting a key that does not exist is not an error (KV deletes are idempotent). Each run appends a line to the audit log.",
  arguments: [{ syntax: "[keys...]", description: "keys to delete" }],
  options: [{ flags: "--prefix <prefix>", description: "delete every key starting with this (listed first)" }],
  shared: ["target", "yes", "dryRun"],
  access: "write",
  schema: z
    .object({ keys: z.array(z.string()).optional(), prefix: z.string().optional(), yes: z.boolean().optional(), dryRun: z.boolean().optional() })
    .superRefine((v, c) => {
      const hasKeys = (v.keys?.length ?? 0) > 0;
      if (hasKeys && v.prefix !== undefined) c.addIssue({ code: "custom", path: ["prefix"], message: "cannot be combined with key arguments; give one or the other" });
      else if (!hasKeys && v.prefix === undefined) c.addIssue({ code: "custom", path: ["keys"], message: "missing: name the keys to delete, or use --prefix <prefix>" });
      else if (v.prefix === "") c.addIssue({ code: "custom", path: ["prefix"], message: "is empty, which would delete every key; give a real prefix" });
    }),
  async run(input, ctx) {
    const keys = input.keys?.length ? [...new Set(input.keys.map((k) => checkKey(k, "[keys...]")))] : undefined;
    const kv = await ctx.kv();
    const config = await ctx.config();
    const binding = config.kv!.binding;
    const targets = keys ?? (await listAll(kv, { prefix: input.prefix, signal: ctx.signal })).map((k) => k.name);
    const details = { binding, ...(input.prefix !== undefined ? { prefix: input.prefix } : {}) };
    if (!targets.length) {
      ctx.out.result({ deleted: 0, keys: [], dryRun: !!input.dryRun }, () => ctx.out.info(`no keys with prefix ${JSON.stringify(input.prefix)}; nothing to delete.`));
      return;
    }
    if (input.dryRun) {
      appendAudit(config, ctx.io.env, { command: "cache delete", target: ctx.target, outcome: "dry-run", counts: { keys: targets.length }, details });
      ctx.out.result({ deleted: 0, keys: targets, dryRun: true }, (r) => {
        for (const k of r.keys) ctx.out.println(k);
        ctx.out.info(`dry run: would delete ${r.keys.length} key(s) from ${binding} (${ctx.target}); nothing was changed.`);
      });
      return;
    }
    const what = `delete ${targets.length} key(s) from ${binding} (${ctx.target})`;
    if (!(await ctx.confirm(`Delete ${targets.length} key(s)${input.prefix !== undefined ? ` with prefix ${JSON.stringify(input.prefix)}` : ""} from ${binding} (${ctx.target})?`, { yes: input.yes, what, cancelled: "Cancelled; nothing was deleted." }))) return;
    let result;
    try {
      result = await kv.deleteMany(targets);
    } catch (error) {
      appendAudit(config, ctx.io.env, { command: "cache delete", target: ctx.target, outcome: ctx.signal.aborted ? "interrupted" : "error", counts: { keys: targets.length }, details: { ...details, error: (error as Error).message } });
      throw error;
    }
    appendAudit(config, ctx.io.env, {
      command: "cache delete",
      target: ctx.target,
      outcome: result.failed.length ? "error" : "ok",
      counts: { deleted: result.done, failed: result.failed.length },
      details,
    });
    ctx.out.result({ deleted: result.done, keys: targets, failed: result.failed, dryRun: false }, (r) => {
      for (const k of r.failed) ctx.out.println(k);
      ctx.out.success(`deleted ${r.deleted} key(s) from ${binding} (${ctx.target}).`);
    });
    if (result.failed.length) {
      ctx.out.errorLine(`${result.failed.length} key(s) were still reported unsuccessful by KV after retries (listed on stdout); run the command again.`);
      return ExitCode.unexpected;
    }
  },
});

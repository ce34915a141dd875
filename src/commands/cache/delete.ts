import { checkKey } from "../../domain/cache/limits.js";
import { ScanProgress } from "../../domain/cache/scan-progress.js";
import { listAll, type KvClient } from "../../clients/kv.js";
import { describeTargets } from "../../domain/confirm-summary.js";
import { ExitCode } from "../../core/errors.js";
import { defineCommand, type CommandResult } from "../define.js";
import { list, text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "delete keys",
  examples: ["kanvas cache delete rooms:registry", "kanvas cache delete --prefix session: --dry-run", "kanvas cache delete --prefix session: --remote --yes"],
  notes:
    "Asks first at a terminal; elsewhere (no TTY, CI) needs --yes. --dry-run lists what would go. Remote: bulk delete, 10,000 keys a request.\n" +
    "Deleting a key that does not exist is not an error (KV deletes are idempotent): locally kanvas says which did not exist; the remote API does not tell.\nEach run appends a line to the audit log.",
  args: { keys: list("keys to delete") },
  flags: { prefix: text("delete every key starting with this (listed first)", { placeholder: "<prefix>" }), ...target, ...yes, ...dryRun },
  access: "write",
  check(v, fail) {
    const hasKeys = v.keys.length > 0;
    if (hasKeys && v.prefix !== undefined) fail("prefix", "cannot be combined with key arguments; give one or the other");
    else if (!hasKeys && v.prefix === undefined) fail("keys", "missing: name the keys to delete, or use --prefix <prefix>");
    else if (v.prefix === "") fail("prefix", "is empty, which would delete every key; give a real prefix");
  },
  async run(input, ctx): Promise<CommandResult> {
    const keys = input.keys?.length ? [...new Set(input.keys.map((k) => checkKey(k, "[keys...]")))] : undefined;
    const kv = await ctx.kv();
    const config = await ctx.config();
    const binding = config.kv!.binding;
    const progress = new ScanProgress(ctx.out, `listing keys under ${JSON.stringify(input.prefix)}`);
    const targets = keys ?? (await listAll(kv, { prefix: input.prefix, signal: ctx.signal, onPage: (n) => progress.add(n) }).finally(() => progress.done())).map((k) => k.name);
    const details = { binding, ...(input.prefix !== undefined ? { prefix: input.prefix } : {}) };
    // What existed: listed keys did; named keys the local state can tell (and their sizes), while
    // the remote API deletes blindly and never says whether a key was there.
    const known = keys === undefined || ctx.target === "local" ? await existing(kv, targets, keys === undefined) : undefined;
    const missing = known ? targets.filter((k) => !known.has(k)) : null;
    const base = { requested: targets.length, keys: targets, missing };
    if (!targets.length || (known && known.size === 0)) {
      return {
        data: { ...base, deleted: 0, failed: [], dryRun: !!input.dryRun },
        human: () => ctx.out.info(keys ? `none of the ${targets.length} key(s) exist in ${binding} (${ctx.target}); nothing to delete.` : `no keys with prefix ${JSON.stringify(input.prefix)}; nothing to delete.`),
      };
    }
    const doomed = known ? targets.filter((k) => known.has(k)) : targets;
    const bytes = known && [...known.values()].every((v) => v !== undefined) ? [...known.values()].reduce((n: number, v) => n + (v ?? 0), 0) : undefined;
    const summary = describeTargets({ keys: doomed, noun: "key", bytes });
    if (input.dryRun) {
      return {
        data: { ...base, deleted: 0, failed: [], dryRun: true },
        audit: { outcome: "dry-run", counts: { keys: doomed.length }, details },
        human: () => {
          for (const k of doomed) ctx.out.println(k);
          ctx.out.info(`dry run: would delete ${doomed.length} key(s) from ${binding} (${ctx.target}); nothing was changed.${notThere(missing)}`);
        },
      };
    }
    const what = `delete ${doomed.length} key(s) from ${binding} (${ctx.target})`;
    await ctx.confirm(`Delete ${summary} from ${binding} (${ctx.target})${input.prefix !== undefined ? `, prefix ${JSON.stringify(input.prefix)}` : ""}?`, { yes: input.yes, what, cancelled: "Cancelled; nothing was deleted." });
    let result;
    try {
      result = await kv.deleteMany(doomed);
    } catch (error) {
      // The runner writes this line (error, or interrupted after Ctrl-C), with why.
      ctx.auditing({ counts: { keys: doomed.length }, details: { ...details, error: (error as Error).message } });
      throw error;
    }
    const failed = result.failed.length;
    // Remotely, for named keys, KV cannot say how many existed: no count is claimed.
    const deleted = known ? doomed.length - failed : null;
    return {
      data: { ...base, deleted, failed: result.failed, dryRun: false },
      audit: { outcome: failed ? "error" : "ok", counts: { deleted: result.done, failed }, details },
      human: () => {
        for (const k of result.failed) ctx.out.println(k);
        if (deleted === null) {
          ctx.out.success(`asked ${binding} (${ctx.target}) to delete ${targets.length} key(s); the KV API does not report whether they existed.`);
        } else ctx.out.success(`deleted ${deleted} of ${targets.length} key(s) asked for from ${binding} (${ctx.target}).${notThere(missing)}`);
      },
      errors: failed ? [`${failed} key(s) were still reported unsuccessful by KV after retries (listed on stdout); run the command again.`] : [],
      exitCode: failed ? ExitCode.unexpected : ExitCode.ok,
    };
  },
});

/** key → value size in bytes (undefined when not read) for the keys that exist. */
async function existing(kv: KvClient, keys: string[], listed: boolean): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  if (listed) {
    for (const k of keys) out.set(k, undefined);
    return out;
  }
  for (const k of keys) {
    const value = await kv.get(k);
    if (value !== undefined) out.set(k, value.length);
  }
  return out;
}

function notThere(missing: string[] | null): string {
  if (!missing?.length) return "";
  return ` ${missing.length} did not exist: ${describeTargets({ keys: missing, noun: "key" }).replace(/^\d+ key\(s\): /, "")}.`;
}

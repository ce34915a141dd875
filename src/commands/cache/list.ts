import { listAll } from "../../clients/kv.js";
import { describeExpiry } from "../../domain/cache/render.js";
import { defineCommand } from "../define.js";
import { count, text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "list keys",
  examples: ["kanvas cache list", "kanvas cache list --prefix rate_limit: --limit 50", "kanvas cache list --prefix rooms: --remote --json"],
  notes: "Keys come in KV order (by UTF-8 bytes); cursors are followed (pages of 1000) until --limit or the end.\nRemote listings are eventually consistent: a key written in the last ~60 s may be missing.",
  flags: {
    prefix: text("only keys starting with this", { placeholder: "<prefix>" }),
    limit: count("at most this many keys (default: all)", { example: "--limit 100" }),
    ...target,
  },
  access: "read",
  async run(input, ctx) {
    const kv = await ctx.kv();
    const listed = await listAll(kv, { prefix: input.prefix, limit: input.limit, signal: ctx.signal });
    // One name for one thing: `key`, as in cache get/put/delete; the runner puts the target in each record.
    const keys = listed.map((k) => ({ key: k.name, expiration: k.expiration ?? null, metadata: k.metadata ?? null }));
    const human = () => {
      if (!keys.length) {
        ctx.out.info(`no keys${input.prefix ? ` with prefix ${JSON.stringify(input.prefix)}` : ""}.`);
        return;
      }
      ctx.out.table(
        ["KEY", "EXPIRES", "METADATA"],
        keys.map((k) => [k.key, k.expiration === null ? "" : describeExpiry(k.expiration, ctx.now()), k.metadata === null ? "" : JSON.stringify(k.metadata)]),
      );
      ctx.out.info(`${keys.length} key(s)${input.limit !== undefined && keys.length === input.limit ? ` (stopped at --limit ${input.limit})` : ""}.`);
    };
    return { data: keys, human };
  },
});

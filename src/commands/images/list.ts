import { formatDuration } from "../../core/duration.js";
import { formatBytes } from "../../domain/images/parts.js";
import { defineCommand } from "../define.js";
import { count, duration, text } from "../spec/flag.js";
import { r2Target } from "../spec/shared.js";

export default defineCommand({
  description: "list objects with size and age",
  examples: ["kanvas images list", "kanvas images list --prefix uploads/u_123/ --older-than 30d", "kanvas images list --remote --json"],
  notes: "Lists every object under --prefix (default: the whole bucket), a page of 1000 at a time; --json prints an array.",
  flags: {
    prefix: text("only keys starting with this", { placeholder: "<prefix>", default: "" }),
    olderThan: duration("only objects last modified longer ago than this (90m, 12h, 30d, 2w)", { units: "mhdw" }),
    limit: count("stop after this many objects", { notWhole: "expected a whole number, e.g. 100", outOfRange: "must be 1 or more" }),
    ...r2Target,
  },
  access: "read",
  async run(input, ctx) {
    const ageMs = input.olderThan?.ms;
    const r2 = await ctx.r2();
    const now = ctx.now();
    const rows: Array<{ key: string; size: number; lastModified: string; ageSeconds: number }> = [];
    let bytes = 0;
    outer: for await (const page of r2.list({ prefix: input.prefix })) {
      for (const o of page) {
        const age = now - o.lastModified.getTime();
        if (ageMs !== undefined && age <= ageMs) continue;
        rows.push({ key: o.key, size: o.size, lastModified: o.lastModified.toISOString(), ageSeconds: Math.max(0, Math.round(age / 1000)) });
        bytes += o.size;
        if (input.limit !== undefined && rows.length >= input.limit) break outer;
      }
    }
    const human = () => {
      if (!rows.length) {
        ctx.out.info(`No objects${input.prefix ? ` under ${input.prefix}` : ""}${ageMs ? ` older than ${input.olderThan?.text}` : ""} in ${r2.bucket}.`);
        return;
      }
      ctx.out.table(
        ["SIZE", "AGE", "KEY"],
        rows.map((r) => [formatBytes(r.size), formatDuration(r.ageSeconds * 1000).split(" ")[0], r.key]),
      );
      ctx.out.info(`${rows.length} object(s), ${formatBytes(bytes)}.`);
    };
    return { data: rows, human };
  },
});

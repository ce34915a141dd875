import { ConfigError, NotFoundError, UserError } from "../../core/errors.js";
import { assetRowsFor, describeRows, type AssetRow } from "../../domain/images/asset-rows.js";
import { validateKey } from "../../domain/images/keys.js";
import { formatBytes } from "../../domain/images/parts.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { r2Target } from "../spec/shared.js";

export default defineCommand({
  description: "print one object's size, type, etag, headers and metadata, and whether D1 references it",
  examples: ["kanvas images head uploads/u_123/1700000000000-photo.jpg", "kanvas images head uploads/u_123/1700000000000-photo.jpg --remote --json"],
  notes:
    "'referenced' lists the D1 assets rows whose r2_key is this key (same target); it is null when D1 cannot say (no D1 binding, or no assets table yet).\nExit codes: 0 found; 2 bad input; 4 no such key.",
  args: { key: text("the object key", { required: true }) },
  flags: r2Target,
  access: "read",
  async run(input, ctx) {
    validateKey(input.key, input.key);
    const r2 = await ctx.r2();
    const head = await r2.head(input.key);
    if (!head) throw new NotFoundError(`${input.key}: no such object in ${r2.bucket}. Check the key with 'kanvas images list${ctx.target === "remote" ? " --remote" : ""}'.`, "object_not_found");
    let referenced: AssetRow[] | null = null;
    let why = "";
    try {
      referenced = (await assetRowsFor(await ctx.d1(), [input.key])).get(input.key) ?? [];
    } catch (error) {
      // The object's facts are still worth printing when D1 cannot answer for its references.
      if (!(error instanceof ConfigError || (error instanceof UserError && error.code === "assets_table_missing"))) throw error;
      why = error.message;
    }
    const v = {
      key: head.key,
      size: head.size,
      contentType: head.contentType ?? null,
      etag: head.etag ?? null,
      lastModified: head.lastModified.toISOString(),
      cacheControl: head.cacheControl ?? null,
      contentDisposition: head.contentDisposition ?? null,
      metadata: head.metadata,
      referenced,
    };
    return {
      data: v,
      human: () => {
        const rows: Array<[string, string]> = [
          ["key", v.key],
          ["size", `${v.size} bytes (${formatBytes(v.size)})`],
          ["content type", v.contentType ?? "-"],
          ["etag", v.etag ?? "-"],
          ["last modified", v.lastModified],
          ["cache control", v.cacheControl ?? "-"],
          ["disposition", v.contentDisposition ?? "-"],
          ...Object.entries(v.metadata).map(([k, m]): [string, string] => [`meta ${k}`, m]),
          ["referenced", v.referenced === null ? `unknown (${why})` : v.referenced.length ? `yes: ${describeRows(v.referenced)}` : "no (no D1 assets row)"],
        ];
        const width = Math.max(...rows.map(([k]) => k.length));
        for (const [k, m] of rows) ctx.out.println(`${k.padEnd(width)}  ${m}`);
      },
    };
  },
});

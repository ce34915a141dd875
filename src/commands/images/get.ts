import { NotFoundError } from "../../core/errors.js";
import { writeObjectTo } from "../../domain/images/download.js";
import { validateKey } from "../../domain/images/keys.js";
import { formatBytes } from "../../domain/images/parts.js";
import { defineCommand } from "../define.js";
import { bool, text } from "../spec/flag.js";
import { r2Target } from "../spec/shared.js";

export default defineCommand({
  description: "download one object to a file or stdout (streamed, binary-safe)",
  examples: [
    "kanvas images get uploads/u_123/1700000000000-photo.jpg",
    "kanvas images get uploads/u_123/1700000000000-photo.jpg --output photo.jpg --remote",
    "kanvas images get uploads/u_123/1700000000000-photo.jpg -o - --remote | exiftool -",
  ],
  notes:
    "--output defaults to the key's last segment in the current folder; '-' writes the bytes to stdout.\nThe file appears only once the download is complete (written beside it, then renamed); an existing file is refused unless --force.\nExit codes: 0 downloaded; 2 bad input; 4 no such key; 5 the file exists.",
  args: { key: text("the object key", { required: true }) },
  flags: {
    output: text("where to write: a file, or - for stdout (default: the key's last segment)", { short: "-o", placeholder: "<file>", check: (v: string) => (v ? undefined : "give a file name, or - for stdout") }),
    force: bool("overwrite --output if it exists"),
    ...r2Target,
  },
  access: "read",
  async run(input, ctx) {
    validateKey(input.key, input.key);
    const r2 = await ctx.r2();
    const got = await r2.getObject(input.key, ctx.signal);
    if (!got) throw new NotFoundError(`${input.key}: no such object in ${r2.bucket}. Check the key with 'kanvas images list${ctx.target === "remote" ? " --remote" : ""}'.`, "object_not_found");
    const written = await writeObjectTo(ctx, got, input.output ?? (input.key.split("/").pop() || "object"), input.force);
    if (written.path === "-") return;
    const data = { key: input.key, file: written.path, size: written.bytes, contentType: got.info.contentType ?? null, etag: got.info.etag ?? null };
    return { data, human: () => ctx.out.success(`${data.key} → ${data.file} (${formatBytes(data.size)})`) };
  },
});

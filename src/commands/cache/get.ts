import { checkKey } from "../../domain/cache/limits.js";
import { asText, describeExpiry } from "../../domain/cache/render.js";
import { NotFoundError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { bool, text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "print a key's value",
  examples: ["kanvas cache get rooms:registry", "kanvas cache get rooms:registry --json --metadata", "kanvas cache get avatar:u1 --raw > avatar.png", "kanvas cache get rooms:registry --remote --env production"],
  notes: "Text values are printed as they are; --raw writes the bytes untouched; --json prints {key, value, type} with JSON values parsed.\nExit codes: 0 found, 4 the key does not exist (or has expired).",
  args: { key: text("the key (any bytes KV accepts: spaces, /, %, unicode…)", { required: true }) },
  flags: {
    raw: bool("write the value's bytes to stdout untouched (binary-safe)"),
    metadata: bool("also show the key's metadata and expiry"),
    ...target,
  },
  access: "read",
  async run(input, ctx) {
    const key = checkKey(input.key);
    const kv = await ctx.kv();
    const [value, info] = await Promise.all([kv.get(key), input.metadata ? kv.describe(key) : Promise.resolve(undefined)]);
    if (value === undefined) throw new NotFoundError(`key ${JSON.stringify(key)} not found in ${(await ctx.config()).kv!.binding} (${ctx.target}); list keys with 'kanvas cache list --prefix …'.`, "key_not_found");
    if (input.raw && !ctx.out.json) {
      // Bytes, not a result record: written as they are.
      ctx.out.printBytes(value);
      if (input.metadata) printInfo();
      return;
    }
    const text = asText(value);
    const human = () => {
      if (text === undefined) {
        if (ctx.out.stdoutIsTTY) ctx.out.warn(`the value is ${value.length} bytes of binary; use --raw to write them (e.g. > file).`);
        else ctx.out.printBytes(value);
      } else ctx.out.print(ctx.out.stdoutIsTTY && !text.endsWith("\n") ? `${text}\n` : text);
      if (input.metadata) printInfo();
    };
    const data = {
      key,
      ...valueView(value, text),
      bytes: value.length,
      ...(input.metadata ? { metadata: info?.metadata ?? null, expiration: info?.expiration ?? null } : {}),
    };
    return { data, human };

    function printInfo() {
      ctx.out.info(`metadata: ${info?.metadata === undefined ? "(none)" : JSON.stringify(info.metadata)}`);
      ctx.out.info(`expires:  ${describeExpiry(info?.expiration, ctx.now())}`);
    }
  },
});

/** The value for --json: parsed when it is JSON, text when it is UTF-8, else base64. */
function valueView(bytes: Uint8Array, text: string | undefined): { value: unknown; type: "json" | "text" | "base64" } {
  if (text === undefined) return { value: Buffer.from(bytes).toString("base64"), type: "base64" };
  try {
    return { value: JSON.parse(text), type: "json" };
  } catch {
    return { value: text, type: "text" };
  }
}

import { defineCommand } from "../define.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "print the whole flags document (the input of 'flags set --file')",
  examples: ["kanvas flags export > flags.json", "kanvas flags export --remote --env production > flags.json"],
  notes: "Prints the document as stored, JSON with or without --json. With no document yet: the empty one. Exit 5 when it fails validation\n(use 'kanvas cache get flags' for the raw value).",
  flags: target,
  access: "read",
  async run(_input, ctx) {
    const { openFlags } = await import("../../domain/flags/change.js");
    const { serialiseDocument } = await import("../../domain/flags/document.js");
    const { describeLocation } = await import("../../domain/flags/store.js");
    const { at, stored } = await openFlags(ctx);
    if (stored.state === "missing") ctx.out.info(`${describeLocation(at)} does not exist yet; this is the empty document.`);
    // The document is JSON either way, so --json prints the same bytes.
    ctx.out.print(serialiseDocument(stored.doc));
  },
});

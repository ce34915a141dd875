import { readFileSync } from "node:fs";
import path from "node:path";
import { CHANGE_NOTES } from "./options.js";
import { UsageError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

export default defineCommand({
  description: "replace the whole flags document from a JSON file (validated first)",
  examples: ["kanvas flags export > flags.json && $EDITOR flags.json && kanvas flags set --file flags.json", "kanvas flags set --file flags.json --remote --dry-run"],
  notes:
    '--file holds {"version": 1, "flags": {"<name>": {"enabled", "rollout", "allow", "deny", "description"?}}}; updatedAt/updatedBy may be\n' +
    "left out (kanvas stamps the flags that change). The whole file is validated before anything is read or written; a bad file\n" +
    "names its path and the field. This is also the way to replace a stored document that fails validation (shown, then confirmed).\n" +
    CHANGE_NOTES,
  flags: { file: text("the new document (JSON)", { placeholder: "<path>", required: "is required: the new document, e.g. kanvas flags set --file flags.json" }), ...target, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const { changeFlags } = await import("../../domain/flags/change.js");
    const doc = await readDocumentFile(input.file, ctx.io.cwd);
    return changeFlags(ctx, { yes: input.yes, dryRun: input.dryRun, replaceInvalid: true, mutate: () => doc });
  },
});

async function readDocumentFile(file: string, cwd: string) {
  const { fileDocumentSchema, parseDocument } = await import("../../domain/flags/document.js");
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--file ${file}: ${code === "ENOENT" ? "no such file" : `cannot read it (${code ?? (error as Error).message})`}; give the path of a JSON flags document (kanvas flags export writes one).`, "bad_flags_file");
  }
  const parsed = parseDocument(text, fileDocumentSchema);
  if (!parsed.ok) throw new UsageError(`--file ${file}: ${parsed.field}: ${parsed.problem}; fix that field and run again (kanvas flags export shows a valid document).`, "bad_flags_file");
  return parsed.doc;
}

import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { UsageError } from "../../core/errors.js";
import { valueProblem } from "./limits.js";

/** The value of `cache put`: the argument, --file, or stdin (exactly one), checked against KV's 25 MiB. */
export async function readValue(opts: { value?: string; file?: string; label?: string; stdin: Readable & { isTTY?: boolean } }): Promise<Uint8Array> {
  if (opts.value !== undefined && opts.file !== undefined) throw new UsageError("give the value either as an argument or with --file, not both.");
  let bytes: Uint8Array;
  let label: string;
  if (opts.value !== undefined) {
    bytes = new TextEncoder().encode(opts.value);
    label = "[value]";
  } else if (opts.file !== undefined) {
    label = `--file ${opts.label ?? opts.file}`;
    try {
      bytes = await readFile(opts.file);
    } catch (error) {
      throw new UsageError(`${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path.`, "bad_file");
    }
  } else {
    if (opts.stdin.isTTY) throw new UsageError("no value: give it as an argument, with --file <path>, or pipe it on stdin.");
    label = "stdin";
    const chunks: Buffer[] = [];
    for await (const chunk of opts.stdin) chunks.push(Buffer.from(chunk as Buffer));
    bytes = Buffer.concat(chunks);
  }
  const problem = valueProblem(bytes.length);
  if (problem) throw new UsageError(`${label}: the value ${problem}.`, "value_too_large");
  return bytes;
}

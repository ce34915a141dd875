import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.js";

/** Parses wrangler.toml / wrangler.json(c) into a plain object; syntax errors name the line. */
export async function parseConfigFile(file: string): Promise<unknown> {
  const name = path.basename(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw new ConfigError(`${name}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"}). Check the file's permissions.`, "config_unreadable");
  }
  if (file.endsWith(".toml")) {
    const { parse, TomlError } = await import("smol-toml");
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof TomlError) {
        const reason = error.message.split("\n")[0] ?? "invalid TOML";
        throw new ConfigError(`${name}:${error.line}:${error.column}: invalid TOML: ${reason}. Fix the syntax at that line.`, "config_syntax");
      }
      throw error;
    }
  }
  const { parse, printParseErrorCode } = await import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first) {
    const line = text.slice(0, first.offset).split("\n").length;
    throw new ConfigError(`${name}:${line}: invalid JSON: ${printParseErrorCode(first.error)}. Fix the syntax at that line.`, "config_syntax");
  }
  return value;
}

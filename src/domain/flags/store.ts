import { asText } from "../cache/render.js";
import { keyProblem } from "../cache/limits.js";
import type { KvClient } from "../../clients/kv.js";
import type { Config } from "../../core/config/types.js";
import { ConfigError, ConflictError, NotFoundError } from "../../core/errors.js";
import type { TargetKind } from "../../core/target.js";
import { documentSchema, emptyDocument, parseDocument, type DraftDocument, type DraftFlag, type FlagDocument } from "./document.js";
import { closeNames } from "./names.js";

export const DEFAULT_FLAGS_KEY = "flags";
export const FLAGS_KEY_VAR = "KANVAS_FLAGS_KEY";

/** Where the document lives, for messages: key, binding and target. */
export interface FlagsLocation {
  key: string;
  binding: string;
  target: TargetKind;
}

export function describeLocation(at: FlagsLocation): string {
  return `KV key ${JSON.stringify(at.key)} in ${at.binding} (${at.target})`;
}

/** `[vars] KANVAS_FLAGS_KEY`, else "flags". */
export function flagsKey(config: Config): string {
  const raw = config.vars[FLAGS_KEY_VAR];
  if (raw === undefined) return DEFAULT_FLAGS_KEY;
  const where = `[vars] ${FLAGS_KEY_VAR} in ${config.source}`;
  if (typeof raw !== "string") throw new ConfigError(`${where} must be a string (the KV key of the flags document), e.g. ${FLAGS_KEY_VAR} = "flags".`, "config_flags_key_invalid");
  const problem = keyProblem(raw);
  if (problem) throw new ConfigError(`${where} ${problem}.`, "config_flags_key_invalid");
  return raw;
}

export type StoredFlags =
  | { state: "missing"; doc: FlagDocument; text: undefined }
  | { state: "valid"; doc: FlagDocument; text: string }
  | { state: "invalid"; text: string; field: string; problem: string };

/** Reads and validates the document; a missing key is the empty document. */
export async function readFlags(kv: KvClient, key: string): Promise<StoredFlags> {
  const bytes = await kv.get(key);
  if (bytes === undefined) return { state: "missing", doc: emptyDocument(), text: undefined };
  const text = asText(bytes);
  if (text === undefined) return { state: "invalid", text: Buffer.from(bytes).toString("latin1"), field: "(the whole document)", problem: "not UTF-8 text" };
  const parsed = parseDocument(text, documentSchema);
  return parsed.ok ? { state: "valid", doc: parsed.doc, text } : { state: "invalid", text, field: parsed.field, problem: parsed.problem };
}

/** The one line for a stored document kanvas cannot use: where, what, and how to fix it by hand. */
export function invalidDocumentError(at: FlagsLocation, stored: { field: string; problem: string }): ConflictError {
  const remote = at.target === "remote" ? " --remote" : "";
  return new ConflictError(
    `${describeLocation(at)} does not follow the flags contract: ${stored.field}: ${stored.problem}. kanvas leaves it untouched: ` +
      `save it with 'kanvas cache get ${at.key}${remote} > flags.json', fix ${stored.field}, then write it back with 'kanvas flags set --file flags.json${remote}'.`,
    "flags_document_invalid",
  );
}

/** The flag, or exit 4 naming the closest existing names. */
export function findFlag(doc: DraftDocument | FlagDocument, name: string, at: FlagsLocation, opts: { createHint?: boolean } = {}): DraftFlag {
  const flag = doc.flags[name];
  if (flag) return flag;
  const known = Object.keys(doc.flags);
  const close = closeNames(name, known);
  const hint = close.length
    ? `did you mean ${close.join(", ")}?`
    : known.length
      ? `no name is close; 'kanvas flags list' shows all ${known.length}.`
      : "there are no flags yet.";
  throw new NotFoundError(`flag ${JSON.stringify(name)} not found in ${describeLocation(at)}; ${hint}${opts.createHint ? " Add --create to create it." : ""}`, "flag_not_found");
}

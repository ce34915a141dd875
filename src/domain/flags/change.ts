import { whoAmI } from "../../core/audit.js";
import { valueProblem } from "../cache/limits.js";
import type { Context } from "../../context.js";
import { ExitCode, InterruptedError, UsageError } from "../../core/errors.js";
import type { CommandResult } from "../../core/result.js";
import { diffFlags, type FlagChange } from "./diff.js";
import { documentSchema, emptyDocument, serialiseDocument, type DraftDocument, type Flag, type FlagDocument } from "./document.js";
import { diffLines } from "./render.js";
import { describeLocation, flagsKey, invalidDocumentError, readFlags, type FlagsLocation, type StoredFlags } from "./store.js";

export interface ChangeRequest {
  yes?: boolean;
  dryRun?: boolean;
  /** The new document from the current one; throws (exit 4, 2…) when the change makes no sense. */
  mutate(current: FlagDocument, at: FlagsLocation): DraftDocument;
  /** Only `flags set --file`: an explicit replacement may replace a document that fails validation (after showing it). */
  replaceInvalid?: boolean;
}

/** How the re-read after writing compared with what was written. */
export type Verified = "ok" | "stale" | "conflict" | "unknown";

/** Opens the document for reading: its location, and the parsed document (exit 5 when it fails validation). */
export async function openFlags(ctx: Context): Promise<{ at: FlagsLocation; stored: Exclude<StoredFlags, { state: "invalid" }> }> {
  const config = await ctx.config();
  const key = flagsKey(config);
  const kv = await ctx.kv();
  const at = { key, binding: config.kv!.binding, target: ctx.target };
  const stored = await readFlags(kv, key);
  if (stored.state === "invalid") throw invalidDocumentError(at, stored);
  return { at, stored };
}

/**
 * Every change goes through here: read and validate, apply, show the diff, ask (or --yes, or
 * --dry-run), write the whole document, read it back; the result carries the audit line. KV has no
 * compare-and-swap, so a change made by someone else in between is detected (re-read), not prevented.
 */
export async function changeFlags(ctx: Context, req: ChangeRequest): Promise<CommandResult> {
  const config = await ctx.config();
  const key = flagsKey(config);
  const kv = await ctx.kv();
  const at: FlagsLocation = { key, binding: config.kv!.binding, target: ctx.target };
  const stored = await readFlags(kv, key);
  if (stored.state === "invalid" && !req.replaceInvalid) throw invalidDocumentError(at, stored);
  const current = stored.state === "invalid" ? emptyDocument() : stored.doc;

  const draft = req.mutate(current, at);
  const changes = diffFlags(current.flags, draft.flags);
  const replacesInvalid = stored.state === "invalid";
  const where = describeLocation(at);
  if (!changes.length && !replacesInvalid) {
    ctx.out.info(`nothing to change in ${where}; it already says that.`);
    return { data: { key, changes, dryRun: !!req.dryRun, written: false, verified: null }, human: () => undefined };
  }
  const next = stamp(current, draft, changes, new Date(ctx.now()).toISOString(), whoAmI(ctx.io.env));
  const text = serialiseDocument(next);
  const bytes = new TextEncoder().encode(text);
  const tooBig = valueProblem(bytes.length);
  if (tooBig) throw new UsageError(`the new flags document ${tooBig}.`, "flags_document_too_large");

  if (replacesInvalid) ctx.out.warn(`${where} fails validation (${stored.field}: ${stored.problem}); this replaces it whole.`);
  ctx.out.info(`Changes to ${where}:`);
  for (const line of diffLines(changes, ctx.out)) ctx.out.info(`  ${line}`);

  const audit = (extra: Record<string, unknown> = {}) => ({
    counts: { changes: changes.length },
    details: { key, binding: at.binding, ...auditChanges(current, next, changes), ...(replacesInvalid ? { replacedInvalid: true } : {}), ...extra },
  });

  if (req.dryRun) {
    ctx.out.info("dry run: nothing was written.");
    return { data: { key, changes, dryRun: true, written: false, verified: null }, human: () => undefined, audit: { outcome: "dry-run", ...audit() } };
  }
  const what = `change ${changes.length} flag(s) in ${where}`;
  const question = `${replacesInvalid ? "Replace the invalid document and apply" : "Apply"} ${changes.length} flag change(s) to ${where}?`;
  if (!(await ctx.confirm(question, { yes: req.yes, what, cancelled: "Cancelled; nothing was written." }))) throw new InterruptedError("Not confirmed; nothing was written.");

  try {
    await kv.put(key, bytes);
  } catch (error) {
    ctx.auditing(audit({ error: (error as Error).message })); // the runner writes it as error / interrupted
    throw error;
  }
  const verified = await verify(ctx, key, text, stored.text);
  // Status lines go to stderr in both modes; stdout carries only the --json result.
  ctx.out.success(`wrote ${where}${ctx.target === "remote" ? "; every location sees it within about 60 s (KV is eventually consistent)" : ""}.`);
  return {
    data: { key, changes, dryRun: false, written: true, verified },
    human: () => undefined,
    audit: audit({ verified }),
    warnings: verified === "stale" ? [`reading ${where} back still gave the old document; KV is eventually consistent, so check again with 'kanvas flags list' in a minute.`] : [],
    errors: verified === "conflict" ? [`${where} changed again right after kanvas wrote it: someone else wrote flags at the same moment (KV has no compare-and-swap). Check 'kanvas flags list' and redo any change that is missing.`] : [],
    exitCode: verified === "conflict" ? ExitCode.conflict : ExitCode.ok,
  };
}

/** Changed and new flags get updatedAt/updatedBy; unchanged flags keep theirs. */
function stamp(current: FlagDocument, draft: DraftDocument, changes: FlagChange[], at: string, by: string): FlagDocument {
  const touched = new Set(changes.filter((c) => c.change !== "removed").map((c) => c.flag));
  const flags: Record<string, Flag> = {};
  for (const [name, flag] of Object.entries(draft.flags)) {
    const before = current.flags[name];
    flags[name] = touched.has(name) || !before ? { ...flag, updatedAt: at, updatedBy: by } : { ...flag, updatedAt: before.updatedAt, updatedBy: before.updatedBy };
  }
  // Validated before every write: a bug here must not reach the app.
  return documentSchema.parse({ version: 1, flags });
}

/** The re-read: what was written (ok), still the old document (stale), something else (conflict), or no answer (unknown). */
async function verify(ctx: Context, key: string, written: string, previous: string | undefined): Promise<Verified> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await (await ctx.kv()).get(key);
  } catch (error) {
    ctx.out.warn(`the write succeeded, but reading it back failed (${(error as Error).message}); check with 'kanvas flags list'.`);
    return "unknown";
  }
  const text = bytes && new TextDecoder().decode(bytes);
  if (text === written) return "ok";
  return text === previous ? "stale" : "conflict";
}

/** The audit line's before/after: the changed flags only. */
function auditChanges(current: FlagDocument, next: FlagDocument, changes: FlagChange[]): Record<string, unknown> {
  const flags = changes.map((c) => c.flag);
  return {
    flags,
    before: Object.fromEntries(flags.map((f) => [f, current.flags[f] ?? null])),
    after: Object.fromEntries(flags.map((f) => [f, next.flags[f] ?? null])),
  };
}

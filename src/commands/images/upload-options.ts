import type { PutFileSource, PutOptions, PutResult, R2Client } from "../../clients/r2.js";
import { bool, text } from "../spec/flag.js";
import type { Context } from "../../context.js";
import { CloudflareServiceError, ConfigError, ConflictError, InterruptedError, UsageError, UserError } from "../../core/errors.js";
import { mapPool } from "../../core/pool.js";
import { assetRowsFor, describeRows } from "../../domain/images/asset-rows.js";
import type { LocalFile } from "../../domain/images/files.js";

/** Generated keys (uploads/<user>/<ms>-<name>) are never reused, so a CDN may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

// HTTP header values: visible ASCII and spaces (a non-ASCII file name needs RFC 6266's filename*=UTF-8''…).
const headerValue = (flag: string) => (v: string) =>
  /^[\x20-\x7e]+$/.test(v) ? undefined : `${flag} must be printable ASCII (encode non-ASCII file names as filename*=UTF-8''<percent-encoded>)`;

/** `images upload`'s header and overwrite-safety flags (kept here so upload.ts only spreads them in). */
export const uploadSafetyFlags = {
  prefix: text("key = <prefix>/<path inside the folder> (as aws s3 cp --recursive and rclone copy)", { placeholder: "<prefix>" }),
  cacheControl: text(`Cache-Control header (default for generated keys: "${IMMUTABLE_CACHE_CONTROL}"; none for --key/--prefix)`, { check: headerValue("--cache-control") }),
  contentDisposition: text('Content-Disposition header, e.g. "attachment" or "inline"', { check: headerValue("--content-disposition") }),
  clobber: bool("refuse to overwrite an existing key (remote: conditional PUT, If-None-Match: *)", { negatable: true }),
};

export interface UploadSafetyInput {
  prefix?: string;
  cacheControl?: string;
  contentDisposition?: string;
  clobber: boolean;
  yes: boolean;
}

/** `<prefix>/<path inside the named folder>`; a trailing "/" on the prefix is optional. */
export function prefixedKey(prefix: string, file: LocalFile): string {
  const base = prefix.replace(/\/+$/, "");
  return base ? `${base}/${file.relative ?? file.display}` : (file.relative ?? file.display);
}

/** The headers for one upload: explicit flags win; generated keys default to the immutable policy. */
export function uploadHeaders(input: UploadSafetyInput, generatedKey: boolean): Pick<PutOptions, "cacheControl" | "contentDisposition" | "noClobber"> {
  return {
    cacheControl: input.cacheControl ?? (generatedKey ? IMMUTABLE_CACHE_CONTROL : undefined),
    contentDisposition: input.contentDisposition,
    noClobber: !input.clobber,
  };
}

/**
 * Without --no-clobber, an upload over a key that D1 `assets` references replaces what the app
 * serves for that row: ask first (or need --yes). Generated keys are new by construction and skip this.
 */
export async function confirmReferencedOverwrites(ctx: Context, r2: R2Client, keys: string[], input: UploadSafetyInput): Promise<void> {
  if (!input.clobber || keys.length === 0) return;
  const heads = await mapPool(keys, 8, (key) => r2.head(key), ctx.signal);
  const existing = keys.filter((_, i) => heads[i]);
  if (!existing.length) return;
  let rows;
  try {
    rows = await assetRowsFor(await ctx.d1(), existing);
  } catch (error) {
    // No D1 to ask (no binding, no assets table): nothing can be known to reference the key.
    if (error instanceof ConfigError || (error instanceof UserError && error.code === "assets_table_missing")) return;
    throw error;
  }
  const referenced = existing.filter((k) => rows.has(k));
  if (!referenced.length) return;
  const first = referenced[0]!;
  const question = `${first} is referenced by ${describeRows(rows.get(first)!)}${referenced.length > 1 ? ` (and ${referenced.length - 1} more referenced key(s))` : ""}. Overwrite?`;
  const ok = await ctx.confirm(question, { yes: input.yes, what: `images upload over ${first} (referenced by ${describeRows(rows.get(first)!)})`, cancelled: "Cancelled; nothing was uploaded." });
  if (!ok) throw new InterruptedError("Not confirmed; nothing was uploaded.");
}

/** r2.putFile, with --no-clobber's refusal (remote HTTP 412) said in the user's terms. */
export async function putWithSafety(r2: R2Client, key: string, source: PutFileSource, opts: PutOptions): Promise<PutResult> {
  try {
    return await r2.putFile(key, source, opts);
  } catch (error) {
    if (opts.noClobber && error instanceof CloudflareServiceError && error.status === 412) {
      throw new ConflictError(`${key} already exists in ${r2.bucket}; --no-clobber left it as it was.`, "object_exists");
    }
    throw error;
  }
}

/** --prefix and --key both name keys; the app's pattern needs neither. */
export function checkKeyFlags(input: UploadSafetyInput & { key?: string }): void {
  if (input.prefix !== undefined && input.key !== undefined) throw new UsageError("--prefix and --key both set the key; give one.", "key_flags_conflict");
}

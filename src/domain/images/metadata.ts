import { UsageError } from "../../core/errors.js";

/** R2's limit on user metadata: keys and values together, in bytes. */
export const MAX_METADATA_BYTES = 8 * 1024;

/** `--metadata k=v` (repeatable) → a record; refuses malformed pairs by their text. */
export function parseMetadataPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!key) throw new UsageError(`--metadata ${JSON.stringify(pair)}: expected key=value, e.g. --metadata source=import.`, "bad_metadata");
    if (!/^[A-Za-z0-9_-]+$/.test(key)) {
      throw new UsageError(`--metadata ${JSON.stringify(pair)}: the key may hold letters, digits, "_" and "-" only (it becomes an HTTP header).`, "bad_metadata");
    }
    const value = pair.slice(eq + 1);
    // Header values cannot carry control characters; non-ASCII would be mangled by S3 clients.
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new UsageError(`--metadata ${JSON.stringify(key)}: the value must be printable ASCII (it travels as an HTTP header).`, "bad_metadata");
    }
    if (key in out) throw new UsageError(`--metadata ${JSON.stringify(key)} is given twice; give each key once.`, "bad_metadata");
    out[key] = value;
  }
  return out;
}

/** The app's metadata plus the user's; the user's cannot silently replace the app's fields. */
export function buildMetadata(base: { userId?: string; contentType: string; uploadedAt: string }, extra: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = { contentType: base.contentType, uploadedAt: base.uploadedAt };
  // Metadata travels as HTTP headers: a user id outside printable ASCII (e.g. 日本) is stored percent-encoded.
  if (base.userId) meta.userId = /^[\x20-\x7e]*$/.test(base.userId) ? base.userId : encodeURIComponent(base.userId);
  for (const key of Object.keys(extra)) {
    if (key.toLowerCase() in lowerKeys(meta)) {
      throw new UsageError(`--metadata ${key}: kanvas sets ${key} itself; use another key name.`, "bad_metadata");
    }
  }
  const all = { ...meta, ...extra };
  const size = metadataBytes(all);
  if (size > MAX_METADATA_BYTES) {
    throw new UsageError(`--metadata: ${size} bytes of metadata; R2 allows at most ${MAX_METADATA_BYTES}. Shorten or drop some --metadata values.`, "metadata_too_large");
  }
  return all;
}

export function metadataBytes(meta: Record<string, string>): number {
  return Object.entries(meta).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

function lowerKeys(meta: Record<string, string>): Record<string, true> {
  return Object.fromEntries(Object.keys(meta).map((k) => [k.toLowerCase(), true]));
}

import path from "node:path";
import { UsageError } from "../../core/errors.js";

/** R2's limit on a key's length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * A file name made safe for an object key and a URL, keeping its letters: R2 keys are UTF-8, so
 * letters and digits of every script stay (normalised to NFC, as macOS hands out NFD names), as do
 * ".", "_" and "-"; every other run of characters (spaces, "/", "%", "?", "#", control
 * characters) becomes one "-", and ".." runs shrink to ".". The extension is always kept.
 */
export function safeFileName(name: string): string {
  const base = path.basename(name).normalize("NFC");
  const dot = base.lastIndexOf(".");
  const rawStem = dot > 0 ? base.slice(0, dot) : base;
  const rawExt = dot > 0 ? base.slice(dot + 1) : "";
  const clean = (s: string) => s.replace(/[^\p{L}\p{M}\p{N}._-]+/gu, "-").replace(/\.{2,}/g, ".").replace(/-+\./g, ".");
  const stem = clean(rawStem).replace(/^[-.]+/, "").replace(/[-.]+$/, "") || "file";
  const ext = rawExt.replace(/[^\p{L}\p{M}\p{N}]+/gu, "");
  return ext ? `${stem}.${ext}` : stem;
}

/** The app's upload pattern: `uploads/<userId>/<epoch ms>-<file name>`. */
export function appKey(userId: string, epochMs: number, fileName: string): string {
  return `uploads/${userId}/${epochMs}-${safeFileName(fileName)}`;
}

/** Refuses keys R2 would reject (or that would be a trap), naming where the key came from. */
export function validateKey(key: string, from: string): string {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) {
    throw new UsageError(`${from}: the object key is ${bytes} bytes; R2 allows at most ${MAX_KEY_BYTES}. Use a shorter --key or file name.`, "key_too_long");
  }
  if (key.length === 0) throw new UsageError(`${from}: the object key is empty. Give a non-empty --key.`, "bad_key");
  if (key.startsWith("/")) throw new UsageError(`${from}: the object key ${JSON.stringify(key)} starts with "/". Drop the leading slash.`, "bad_key");
  // URL normalization (fetch, proxies, Cloudflare's edge) rewrites "a/../b" to "b": another object.
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new UsageError(`${from}: the object key ${JSON.stringify(key)} has a "." or ".." segment, which URL normalization would rewrite into another key. Rename it.`, "bad_key");
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new UsageError(`${from}: the object key contains control characters. Use printable characters only.`, "bad_key");
  return key;
}

/** A new object's extension after --optimize changes its format. */
export function withExtension(key: string, ext: string): string {
  const slash = key.lastIndexOf("/");
  const dot = key.lastIndexOf(".");
  const stem = dot > slash + 1 ? key.slice(0, dot) : key;
  return `${stem}.${ext}`;
}

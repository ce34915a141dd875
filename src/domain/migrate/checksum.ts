import { createHash } from "node:crypto";

/**
 * sha256 of a migration's bytes with a BOM dropped and CRLF made LF, so a checkout with
 * core.autocrlf or an editor adding a BOM is not drift; any real edit is.
 */
export function migrationChecksum(bytes: Uint8Array): string {
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  const hash = createHash("sha256");
  let from = 0;
  for (let i = b.indexOf(13); i >= 0; i = b.indexOf(13, i + 1)) {
    if (b[i + 1] === 10) {
      hash.update(b.subarray(from, i));
      from = i + 1;
    }
  }
  hash.update(b.subarray(from));
  return hash.digest("hex");
}

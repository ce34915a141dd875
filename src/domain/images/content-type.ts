import { open } from "node:fs/promises";
import path from "node:path";

/** How many leading bytes the sniffer needs (ISO-BMFF brands sit at 8..12, SVG may follow a long XML prolog). */
const SNIFF_BYTES = 512;

/**
 * The content type from the file's first bytes (magic numbers); the extension only decides
 * between text formats the bytes cannot tell apart. A renamed PNG is still image/png.
 */
export function sniffContentType(head: Uint8Array, fileName: string): string {
  const b = head;
  const at = (i: number, ...bytes: number[]) => bytes.every((v, j) => b[i + j] === v);
  const ascii = (i: number, s: string) => at(i, ...[...s].map((c) => c.charCodeAt(0)));
  if (at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(4, "ftyp")) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand === "avif" || brand === "avis") return "image/avif";
    if (["heic", "heix", "hevc", "hevx", "mif1", "msf1"].includes(brand)) return "image/heic";
    if (["isom", "iso2", "mp41", "mp42", "avc1", "M4V "].includes(brand)) return "video/mp4";
    if (brand === "qt  ") return "video/quicktime";
  }
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return "image/tiff";
  if (ascii(0, "BM") && b.length >= 14) return "image/bmp";
  if (at(0, 0x00, 0x00, 0x01, 0x00)) return "image/x-icon";
  if (ascii(0, "%PDF-")) return "application/pdf";
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return "application/zip";
  if (at(0, 0x1f, 0x8b)) return "application/gzip";
  const text = Buffer.from(b).toString("utf8").replace(/^\uFEFF/, "").trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(text)) return "image/svg+xml";
  return byExtension(fileName);
}

const EXTENSIONS: Record<string, string> = {
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".xml": "application/xml",
};

function byExtension(fileName: string): string {
  return EXTENSIONS[path.extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

export async function sniffFile(file: string): Promise<string> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffContentType(buf.subarray(0, bytesRead), file);
  } finally {
    await fh.close();
  }
}

/** A --content-type value must at least look like type/subtype. */
export function isContentType(value: string): boolean {
  return /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"]*"|[\w.+-]+))*$/.test(value);
}

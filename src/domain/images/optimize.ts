import { stat } from "node:fs/promises";
import { UsageError } from "../../core/errors.js";

/** Decompression-bomb guard: a small file that decodes to more pixels than this is refused. */
export const MAX_INPUT_PIXELS = 100_000_000;

export type OutputFormat = "webp" | "avif" | "keep";

export interface OptimizeOptions {
  maxWidth?: number;
  maxHeight?: number;
  format: OutputFormat;
}

export interface ImageProbe {
  format: string;
  width: number;
  height: number;
  /** EXIF, XMP, IPTC or an ICC profile: something --optimize must strip. */
  hasMetadata?: boolean;
  /** EXIF orientation other than 1: the pixels must be rotated. */
  needsRotation?: boolean;
}

const WRITABLE: Record<string, { ext: string; contentType: string }> = {
  jpeg: { ext: "jpg", contentType: "image/jpeg" },
  png: { ext: "png", contentType: "image/png" },
  webp: { ext: "webp", contentType: "image/webp" },
  avif: { ext: "avif", contentType: "image/avif" },
  heif: { ext: "avif", contentType: "image/avif" },
  gif: { ext: "gif", contentType: "image/gif" },
  tiff: { ext: "tiff", contentType: "image/tiff" },
};

async function loadSharp() {
  // sharp (and libvips) load only when --optimize is used.
  return (await import("sharp")).default;
}

/** Checks, before anything is uploaded, that sharp can read the file and it is not a bomb. */
export async function probeImage(file: string, format: OutputFormat): Promise<ImageProbe> {
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    throw new UsageError(`${file}: not an image kanvas can optimise (JPEG, PNG, WebP, AVIF, GIF, TIFF). Upload it without --optimize, or leave it out.`, "not_an_image");
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!meta.format || !width || !height) {
    throw new UsageError(`${file}: not an image kanvas can optimise. Upload it without --optimize, or leave it out.`, "not_an_image");
  }
  if (width * height > MAX_INPUT_PIXELS) {
    throw new UsageError(
      `${file}: ${width}×${height} pixels is over the ${MAX_INPUT_PIXELS / 1e6} MP limit (a decompression bomb guard). Resize it before uploading, or upload it without --optimize.`,
      "image_too_large",
    );
  }
  if (format === "keep" && !WRITABLE[meta.format]) {
    throw new UsageError(`${file}: kanvas cannot write ${meta.format} back; use --format webp or avif, or upload it without --optimize.`, "format_unsupported");
  }
  const hasMetadata = Boolean(meta.exif || meta.xmp || meta.iptc || meta.icc);
  return { format: meta.format, width, height, hasMetadata, needsRotation: (meta.orientation ?? 1) !== 1 };
}

/**
 * The original is uploaded instead of the re-encoded file only when it is smaller and re-encoding
 * changed nothing the user asked for: no metadata to strip, no rotation, no resize, same format.
 */
export function originalWins(
  probe: ImageProbe,
  optimized: { size: number; width: number; height: number },
  originalSize: number,
  opts: OptimizeOptions,
): boolean {
  if (optimized.size < originalSize) return false;
  const sameFormat = opts.format === "keep" || opts.format === probe.format;
  const resized = optimized.width !== probe.width || optimized.height !== probe.height;
  return sameFormat && !resized && !probe.hasMetadata && !probe.needsRotation;
}

/**
 * Auto-orients, strips all metadata (EXIF and GPS included: sharp keeps none unless asked),
 * resizes to fit inside --max-width/--max-height (never enlarging) and re-encodes, streaming
 * from `file` to `outFile`.
 */
export async function optimizeImage(
  file: string,
  outFile: string,
  probe: ImageProbe,
  opts: OptimizeOptions,
): Promise<{ size: number; contentType: string; ext: string; width: number; height: number }> {
  const sharp = await loadSharp();
  const target = opts.format === "keep" ? probe.format : opts.format;
  const out = WRITABLE[target]!;
  let pipeline = sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true }).rotate();
  if (opts.maxWidth || opts.maxHeight) {
    pipeline = pipeline.resize({ width: opts.maxWidth, height: opts.maxHeight, fit: "inside", withoutEnlargement: true });
  }
  pipeline = pipeline.toFormat(target as "jpeg");
  let info;
  try {
    info = await pipeline.toFile(outFile);
  } catch (error) {
    throw new UsageError(`${file}: could not optimise it (${(error as Error).message.split("\n")[0]}). Upload it without --optimize.`, "optimize_failed");
  }
  return { size: (await stat(outFile)).size, contentType: out.contentType, ext: out.ext, width: info.width, height: info.height };
}

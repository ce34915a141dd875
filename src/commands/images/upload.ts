import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { R2Client } from "../../clients/r2.js";
import type { Context } from "../../context.js";
import { ConflictError, InterruptedError, UsageError } from "../../core/errors.js";
import { sniffFile } from "../../domain/images/content-type.js";
import { collectFiles, type LocalFile } from "../../domain/images/files.js";
import { appKey, validateKey, withExtension } from "../../domain/images/keys.js";
import { checkUserId } from "../../core/user-id.js";
import { buildMetadata, parseMetadataPairs } from "../../domain/images/metadata.js";
import type { ImageProbe, OutputFormat } from "../../domain/images/optimize.js";
import { choosePartSize, formatBytes, MAX_SINGLE_PUT, MiB } from "../../domain/images/parts.js";
import { runPool } from "../../core/pool.js";
import { UploadProgress } from "../../domain/images/progress.js";
import { insertAsset, newAssetId, recordFailure } from "../../domain/images/record.js";
import { referencedKeys } from "../../domain/images/references.js";
import { checkKeyFlags, confirmReferencedOverwrites, prefixedKey, putWithSafety, uploadHeaders, uploadSafetyFlags } from "./upload-options.js";
import { defineCommand } from "../define.js";
import { contentTypeProblem } from "../spec/content-type.js";
import { bool, choice, count, expiry, list, size, text } from "../spec/flag.js";
import { r2Target, yes } from "../spec/shared.js";

const pixels = (description: string) => count(description, { max: 16_384, placeholder: "<px>", notWhole: "expected a whole number, e.g. 1600" });

interface PlannedUpload {
  file: LocalFile;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  probe?: ImageProbe;
}

/** One uploaded file, as printed (the runner puts `target` first). A type: it is the data of a CommandResult. */
export type UploadResult = {
  file: string;
  key: string;
  size: number;
  etag: string;
  contentType: string;
  seconds: number;
  parts: number;
  /** With --optimize: the file's own size, the re-encoded size, and which of the two was uploaded. */
  originalSize?: number;
  optimizedSize?: number;
  kept?: "optimized" | "original";
  assetId?: string;
  url?: string;
  expiresAt?: string;
};

export default defineCommand({
  description: "upload files or folders to the R2 bucket (multipart for large files)",
  examples: [
    "kanvas images upload photo.jpg --user u_123",
    "kanvas images upload ./batch --user u_123 --optimize --max-width 1600 --format webp",
    "kanvas images upload big.tif --key archive/big.tif --remote",
    "kanvas images upload photo.jpg --user u_123 --record --sign 1h --remote --json",
  ],
  notes: [
    "Keys: --key for one file, else uploads/<user>/<epoch ms>-<file name> with --user (names made safe; ≤ 1024 bytes).",
    "Content type comes from the file's bytes (magic numbers); --content-type overrides it.",
    "Files at or above --multipart-threshold go up in parallel parts of equal size (≥ 5 MiB, ≤ 10,000 parts);",
    "Ctrl-C or SIGTERM aborts an unfinished multipart upload (no parts left) and exits 130.",
    "--optimize: auto-orient, strip all metadata (EXIF/GPS), resize, re-encode; refuses non-images and images over 100 MP.",
    "--record inserts the D1 assets row on the same target; if that fails the object is deleted again.",
  ].join("\n"),
  args: { paths: list("files and folders to upload (folders recursively, dot-files skipped)", { required: true, min: { count: 1, message: "name at least one file or folder to upload" } }) },
  flags: {
    key: text("object key (one file only)", { placeholder: "<key>" }),
    user: text("user id: key uploads/<id>/<ms>-<name> and metadata userId", { placeholder: "<id>" }),
    metadata: list("extra custom metadata (repeatable; ≤ 8 KiB in total)", { placeholder: "<k=v>" }),
    contentType: text("override the sniffed content type", { placeholder: "<type>", check: contentTypeProblem }),
    multipartThreshold: size("upload in parts at or above this size", {
      default: "100MiB",
      min: { bytes: 5 * MiB, message: (t) => `--multipart-threshold ${t}: parts are at least 5 MiB, so the threshold must be 5MiB or more.` },
    }),
    concurrency: count("files in flight (and parts in flight per multipart upload)", { max: 64, default: 4, notWhole: "expected a whole number, e.g. 4" }),
    optimize: bool("auto-orient, strip metadata, resize and re-encode with sharp"),
    maxWidth: pixels("with --optimize: fit within this width"),
    maxHeight: pixels("with --optimize: fit within this height"),
    format: choice("with --optimize: webp, avif or keep", ["webp", "avif", "keep"], { default: "keep", placeholder: "<fmt>" }),
    record: bool("insert the D1 assets row (needs --user)"),
    sign: expiry("print a presigned GET URL valid this long (1s–7d; remote only)"),
    ...uploadSafetyFlags,
    ...r2Target,
    ...yes,
  },
  access: "write",
  async run(input, ctx) {
    // The pure checks first: nothing is uploaded if any input is wrong.
    const threshold = input.multipartThreshold;
    const signSeconds = input.sign;
    const userId = input.user === undefined ? undefined : checkUserId(input.user, "--user");
    if (input.record && !userId) throw new UsageError("--record needs --user (the assets row's user_id).", "record_needs_user");
    if (!input.optimize && (input.maxWidth || input.maxHeight || input.format !== "keep")) {
      throw new UsageError("--max-width, --max-height and --format apply with --optimize; add --optimize.", "needs_optimize");
    }
    const presigner =
      signSeconds === undefined
        ? undefined
        : ctx.presigner(() => new UsageError("--sign needs an S3 endpoint, which the local (Miniflare) bucket does not have. Drop --sign, or use --remote with R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (and R2_ENDPOINT for a non-R2 server).", "needs_s3_endpoint"));
    const extra = parseMetadataPairs(input.metadata);
    const files = await collectFiles(input.paths, ctx.io.cwd);
    if (input.key !== undefined && files.length !== 1) throw new UsageError(`--key names one object, but ${files.length} files were given. Drop --key and use --user for several files.`, "key_needs_one_file");
    checkKeyFlags(input);
    if (input.key === undefined && input.prefix === undefined && !userId) throw new UsageError("Give --key <key> for the object's key, or --user <id> for the app's uploads/<id>/<ms>-<name> pattern.", "key_required");

    const plan = await planUploads(files, { key: input.key, prefix: input.prefix, userId, extra, contentType: input.contentType, optimize: input.optimize, format: input.format }, ctx);
    const concurrency = input.concurrency;

    const r2 = await ctx.r2();
    const d1 = input.record ? await ctx.d1() : undefined;
    if (d1) {
      // Uploading over a recorded key and then failing the insert would delete a referenced object.
      // A failed check stops the upload (with its own error): "no row found" is not known here.
      const taken = await referencedKeys(d1, plan.map((p) => p.key));
      const first = [...taken][0];
      if (first) throw new ConflictError(`--record: ${first} already has an assets row; uploading over it is refused. Use another --key (or --user), or drop --record.`, "already_recorded");
    }
    const generatedKeys = input.key === undefined && input.prefix === undefined;
    if (!generatedKeys) await confirmReferencedOverwrites(ctx, r2, plan.map((p) => p.key), input);
    const tmp = input.optimize ? await mkdtemp(path.join(os.tmpdir(), "kanvas-optimize-")) : undefined;
    if (tmp) ctx.onDispose(() => rm(tmp, { recursive: true, force: true }));

    const total = plan.reduce((n, p) => n + p.file.size, 0);
    const progress = new UploadProgress(ctx.out, total, plan.length);
    const finished: UploadResult[] = [];
    // Off a terminal (or with --quiet) there is no bar: each file's line goes to stdout as it
    // finishes, once, instead of a stderr line now and the same file again in a list at the end.
    const streamLines = !ctx.out.json && !ctx.out.showProgress;
    // With --json, or at a terminal (after the bar), the runner prints the whole list at the end.
    const human = () => {
      if (!streamLines) printLines(ctx, finished);
    };
    try {
      await runPool(
        plan,
        concurrency,
        async (item, index) => {
          const started = performance.now();
          let source = { path: item.file.path, size: item.file.size };
          let { key, contentType } = item;
          let optimized: Pick<UploadResult, "originalSize" | "optimizedSize" | "kept"> = {};
          if (input.optimize && tmp) {
            const { optimizeImage, originalWins } = await import("../../domain/images/optimize.js");
            const outFile = path.join(tmp, `${index}`);
            const opts = { maxWidth: input.maxWidth, maxHeight: input.maxHeight, format: input.format as OutputFormat };
            const o = await optimizeImage(item.file.path, outFile, item.probe!, opts);
            const kept = originalWins(item.probe!, o, item.file.size, opts) ? "original" : "optimized";
            optimized = { originalSize: item.file.size, optimizedSize: o.size, kept };
            if (kept === "optimized") {
              source = { path: outFile, size: o.size };
              if (input.format !== "keep") key = validateKey(withExtension(key, o.ext), item.file.display);
              contentType = input.contentType ?? o.contentType;
            }
          }
          const multipart = source.size >= threshold || source.size > MAX_SINGLE_PUT;
          const metadata = { ...item.metadata, contentType };
          const put = await putWithSafety(r2, key, source, {
            ...uploadHeaders(input, generatedKeys),
            contentType,
            metadata,
            partSize: multipart ? choosePartSize(source.size) : undefined,
            partConcurrency: concurrency,
            onProgress: (bytes) => progress.update(index, bytes),
          });
          const result: UploadResult = {
            file: item.file.display,
            key,
            size: source.size,
            etag: put.etag,
            contentType,
            seconds: 0,
            parts: put.parts,
            ...optimized,
          };
          if (d1 && userId) result.assetId = await recordOrRollBack(r2, d1, { key, userId, size: source.size, contentType, now: ctx.now() }, ctx);
          if (presigner && signSeconds !== undefined) {
            result.url = await presigner.presign(key, { method: "get", expiresInSeconds: signSeconds });
            result.expiresAt = new Date(ctx.now() + signSeconds * 1000).toISOString();
          }
          result.seconds = round((performance.now() - started) / 1000);
          progress.fileDone(index, source.size);
          if (streamLines) printLines(ctx, [result]);
          return result;
        },
        { signal: ctx.signal, done: finished },
      );
    } catch (error) {
      progress.finish();
      if (!finished.length) throw error;
      // What did go up is listed before the failure is reported.
      return { data: finished, human, warnings: [`${finished.length} of ${plan.length} files were uploaded (listed above) before the failure.`], error };
    }
    progress.finish();
    const interrupted = ctx.signal.aborted && finished.length < plan.length;
    return { data: finished, human, error: interrupted ? new InterruptedError(`Interrupted: ${finished.length} of ${plan.length} files uploaded (listed above); re-run with the rest.`) : undefined };
  },
});

async function planUploads(
  files: LocalFile[],
  opts: { key?: string; prefix?: string; userId?: string; extra: Record<string, string>; contentType?: string; optimize: boolean; format: string },
  ctx: Context,
): Promise<PlannedUpload[]> {
  const now = ctx.now();
  const uploadedAt = new Date(now).toISOString();
  const plan: PlannedUpload[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const key = validateKey(opts.key ?? (opts.prefix !== undefined ? prefixedKey(opts.prefix, file) : appKey(opts.userId!, now, file.path)), file.display);
    const previous = seen.get(key);
    if (previous) throw new UsageError(`${previous} and ${file.display} would both be uploaded as ${key}. Rename one, or upload them separately.`, "duplicate_key");
    seen.set(key, file.display);
    const sniffed = await sniffFile(file.path);
    const contentType = opts.contentType ?? sniffed;
    // The bucket holds the app's images: say so (without refusing) when a file is not one.
    if (file.size === 0) ctx.out.warn(`${file.display} is empty (0 bytes); uploading it anyway.`);
    else if (!sniffed.startsWith("image/")) ctx.out.warn(`${file.display} is not an image by its bytes (${sniffed.split(";")[0]}); uploading it anyway.`);
    const metadata = buildMetadata({ userId: opts.userId, contentType, uploadedAt }, opts.extra);
    let probe: ImageProbe | undefined;
    if (opts.optimize) {
      const { probeImage } = await import("../../domain/images/optimize.js");
      probe = await probeImage(file.path, opts.format as OutputFormat).catch((error: UsageError) => {
        throw new UsageError(error.message.replace(file.path, file.display), error.code);
      });
    }
    plan.push({ file, key, contentType, metadata, probe });
  }
  return plan;
}

/** --record: a failed insert removes the object again, so no orphan is left behind. */
async function recordOrRollBack(
  r2: R2Client,
  d1: import("../../clients/d1.js").D1Client,
  row: { key: string; userId: string; size: number; contentType: string; now: number },
  ctx: Context,
): Promise<string> {
  const id = newAssetId(row.now);
  try {
    await insertAsset(d1, { id, userId: row.userId, r2Key: row.key, sizeBytes: row.size, contentType: row.contentType });
    return id;
  } catch (error) {
    const removed = await r2.deleteKeys([row.key]).then(
      (r) => r.errors.length === 0,
      () => false,
    );
    if (!removed) ctx.out.warn(`could not remove ${row.key} after the failed insert; delete it with 'kanvas images cleanup' or by hand.`);
    throw recordFailure(error, row.key, removed);
  }
}

/** Human lines, one per uploaded file (and its URL with --sign). */
function printLines(ctx: Context, results: UploadResult[]): void {
  for (const r of results) {
    const saved = r.originalSize !== undefined && r.optimizedSize !== undefined ? ` ${describeOptimized(r.originalSize, r.optimizedSize, r.kept!)}` : "";
    const head = `${r.key}  ${formatBytes(r.size)}${saved}  ${r.contentType}  etag ${r.etag}  ${r.seconds} s${r.parts > 1 ? `  ${r.parts} parts` : ""}`;
    ctx.out.println(r.url ? `${head}\n  ${r.url}  (expires ${r.expiresAt})` : head);
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Never claims an optimisation that is not one: says which file was uploaded and why. */
export function describeOptimized(original: number, optimized: number, kept: "optimized" | "original"): string {
  const change = `${formatBytes(original)} → ${formatBytes(optimized)}`;
  if (kept === "original") return `(original kept: re-encoding gave ${change}, larger, and there was nothing to strip or resize)`;
  if (optimized < original) return `(optimised: ${change}, ${Math.round((1 - optimized / original) * 100)}% smaller)`;
  return `(re-encoded: ${change}, not smaller; uploaded anyway, as --optimize strips metadata and applies the size and format asked for)`;
}

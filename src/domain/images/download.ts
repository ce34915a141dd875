import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { R2GetResult } from "../../clients/r2.js";
import type { Context } from "../../context.js";
import { ConflictError, InterruptedError, UserError } from "../../core/errors.js";
import { UploadProgress } from "./progress.js";

/**
 * Streams an object's body to `output` ("-" = stdout) with back-pressure, so memory stays flat
 * whatever the size. A file is written beside its final name and renamed once complete: an
 * interrupted or failed download never leaves a truncated file under the name asked for.
 */
export async function writeObjectTo(ctx: Context, got: R2GetResult, output: string, force: boolean): Promise<{ path: string; bytes: number }> {
  const progress = new UploadProgress(ctx.out, Math.max(0, got.info.size), 1);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      progress.update(0, bytes);
      done(null, chunk);
    },
  });
  const checkComplete = () => {
    if (got.info.size >= 0 && bytes !== got.info.size) throw new UserError(`${got.info.key}: the download stopped after ${bytes} of ${got.info.size} bytes; run the command again.`, { code: "download_incomplete" });
  };
  try {
    if (output === "-") {
      await pipeline(got.body, counter, ctx.io.stdout, { end: false, signal: ctx.signal });
      checkComplete();
      return { path: "-", bytes };
    }
    const target = path.resolve(ctx.io.cwd, output);
    if (existsSync(target) && !force) {
      got.body.destroy();
      throw new ConflictError(`${output} already exists; add --force to overwrite it, or pick another --output.`, "file_exists");
    }
    const partial = `${target}.kanvas-${process.pid}.part`;
    try {
      await pipeline(got.body, counter, createWriteStream(partial), { signal: ctx.signal });
      checkComplete();
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { path: output, bytes };
  } catch (error) {
    if (ctx.signal.aborted) throw new InterruptedError(`Interrupted: ${got.info.key} was not ${output === "-" ? "fully written" : `written to ${output}`}.`);
    throw error;
  } finally {
    progress.finish();
  }
}

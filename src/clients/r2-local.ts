import { open } from "node:fs/promises";
import type { Miniflare } from "miniflare";
import { requireR2 } from "../core/config/require.js";
import type { ClientDeps } from "./deps.js";
import { ConflictError, InterruptedError, UsageError } from "../core/errors.js";
import { mapMiniflareError } from "./miniflare-errors.js";
import { partRanges, PREFERRED_PART } from "./r2-parts.js";
import { mapLocalTransportFailure } from "./miniflare-transport.js";
import { localObjectOps } from "./r2-local-objects.js";
import type { PutResult, R2Client, R2ObjectInfo } from "./r2.js";
import { waitForBlobDeletes } from "./r2-local-settle.js";

/**
 * Miniflare's R2 proxy only takes bodies of known length as whole buffers (a Node stream
 * arrives in workerd without a length and is refused), so files bigger than one part go up
 * as a local multipart upload, one buffered part at a time: memory stays at about two parts.
 */
const LOCAL_SINGLE_PUT_MAX = PREFERRED_PART;

export function createLocalR2(deps: ClientDeps & { mf: Miniflare }): R2Client {
  const r2 = requireR2(deps.config);
  // Safe to send again as on the remote target (r2-s3*.ts): everything but completing a multipart
  // upload. A dropped connection to workerd (miniflare-transport.ts) is then retried, not fatal.
  const call = <T>(operation: string, fn: () => Promise<T>, idempotent = operation !== "CompleteMultipartUpload") =>
    deps.monitor.call(
      "r2",
      operation,
      async () => {
        try {
          return await fn();
        } catch (error) {
          throw mapMiniflareError(error, "r2", { operation, signal: deps.signal });
        }
      },
      { idempotent },
    );
  const bucket = () => deps.mf.getR2Bucket(r2.binding);
  const needsS3 = (what: string) =>
    new UsageError(
      `${what} needs an S3 endpoint, which the local (Miniflare) bucket does not have. Use --remote with R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY set (and R2_ENDPOINT for an S3-compatible server other than R2).`,
      "needs_s3_endpoint",
    );

  return {
    ...localObjectOps(bucket, (operation, fn) => call(operation, fn)),
    target: "local",
    bucket: r2.localId,
    async check() {
      const b = await bucket();
      await call("ListObjects", () => b.list({ limit: 1 }));
      return `${r2.localId} (local)`;
    },

    async putFile(key, source, opts, signal = deps.signal): Promise<PutResult> {
      const b = await bucket();
      const put = { httpMetadata: { contentType: opts.contentType, cacheControl: opts.cacheControl, contentDisposition: opts.contentDisposition }, customMetadata: opts.metadata };
      const fh = await open(source.path, "r");
      try {
        const readRange = async (start: number, end: number) => {
          // A plain Uint8Array: Miniflare's serialiser refuses Buffer instances.
          const bytes = new Uint8Array(end - start);
          let off = 0;
          while (off < bytes.length) {
            const { bytesRead } = await fh.read(bytes, off, bytes.length - off, start + off);
            if (bytesRead === 0) throw new UsageError(`${source.path}: the file shrank while it was being uploaded; upload it again once it is complete.`, "file_changed");
            off += bytesRead;
          }
          return bytes;
        };
        const partSize = opts.partSize ?? (source.size > LOCAL_SINGLE_PUT_MAX ? PREFERRED_PART : undefined);
        if (partSize === undefined) {
          if (signal.aborted) throw new InterruptedError(`Interrupted before ${key} was uploaded.`);
          const bytes = await readRange(0, source.size);
          // --no-clobber: the binding's own "If-None-Match: *" (put answers null when the key exists).
          const obj = await call("PutObject", () => b.put(key, bytes, opts.noClobber ? { ...put, onlyIf: { etagDoesNotMatch: "*" } } : put));
          if (opts.noClobber && obj === null) throw new ConflictError(`${key} already exists in ${r2.localId}; --no-clobber left it as it was.`, "object_exists");
          opts.onProgress?.(source.size);
          return { key, size: obj?.size ?? source.size, etag: obj?.etag ?? "", parts: 1 };
        }
        // A local multipart completion takes no condition: check just before starting instead.
        if (opts.noClobber && (await call("HeadObject", () => b.head(key)))) throw new ConflictError(`${key} already exists in ${r2.localId}; --no-clobber left it as it was.`, "object_exists");
        const upload = await call("CreateMultipartUpload", () => b.createMultipartUpload(key, put));
        const uploaded: Array<{ partNumber: number; etag: string }> = [];
        let done = 0;
        try {
          for (const range of partRanges(source.size, partSize)) {
            if (signal.aborted) throw new InterruptedError(`Interrupted: the multipart upload of ${key} was aborted; no parts are left behind.`);
            const bytes = await readRange(range.start, range.end);
            const part = await call("UploadPart", () => upload.uploadPart(range.partNumber, bytes));
            uploaded.push({ partNumber: part.partNumber, etag: part.etag });
            done += bytes.length;
            opts.onProgress?.(done);
          }
          const obj = await call("CompleteMultipartUpload", () => upload.complete(uploaded));
          return { key, size: obj.size, etag: obj.etag, parts: uploaded.length };
        } catch (error) {
          await call("AbortMultipartUpload", () => upload.abort()).catch(() => undefined);
          await waitForBlobDeletes(deps.config, r2.localId);
          throw error;
        }
      } finally {
        await fh.close();
      }
    },

    async head(key) {
      const b = await bucket();
      const obj = await call("HeadObject", () => b.head(key));
      if (!obj) return undefined;
      return {
        key,
        size: obj.size,
        lastModified: obj.uploaded,
        etag: obj.etag,
        contentType: obj.httpMetadata?.contentType,
        cacheControl: obj.httpMetadata?.cacheControl,
        contentDisposition: obj.httpMetadata?.contentDisposition,
        metadata: { ...(obj.customMetadata ?? {}) },
      };
    },

    async *list({ prefix, startAfter }) {
      const b = await bucket();
      let cursor: string | undefined;
      do {
        const page = await call("ListObjects", () => b.list({ prefix, cursor, limit: 1000, ...(cursor || !startAfter ? {} : { startAfter }) }));
        const objects: R2ObjectInfo[] = page.objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.uploaded, etag: o.etag }));
        yield objects;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
    },

    async *listShallow(prefix) {
      const b = await bucket();
      let cursor: string | undefined;
      do {
        const page = await call("ListObjects", () => b.list({ prefix, cursor, limit: 1000, delimiter: "/" }));
        yield {
          objects: page.objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.uploaded, etag: o.etag })),
          prefixes: page.delimitedPrefixes,
        };
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
    },

    async deleteKeys(keys) {
      if (keys.length === 0) return { deleted: [], errors: [] };
      const b = await bucket();
      // Not through `call`: a batch already sent when Ctrl-C lands is let finish (its keys are reported
      // deleted), so the signal alone does not make it an interrupt. A dropped connection is retried.
      const del = () => b.delete(keys).catch((e: unknown) => Promise.reject(mapLocalTransportFailure(e, "r2", "local R2 DeleteObjects")));
      await deps.monitor.call("r2", "DeleteObjects", del, { idempotent: true });
      return { deleted: [...keys], errors: [] };
    },

    async getCors() {
      throw needsS3("Bucket CORS");
    },
    async putCors() {
      throw needsS3("Bucket CORS");
    },
  };
}

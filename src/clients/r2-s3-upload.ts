import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { InterruptedError } from "../core/errors.js";
import type { Output } from "../core/output.js";
import { runPool } from "../core/pool.js";
import { partRanges, type PartRange } from "./r2-parts.js";
import { unquote, type S3Call } from "./r2-s3-objects.js";
import type { PutResult, R2Client } from "./r2.js";

/**
 * The S3 adapter's uploads: one PUT, or a multipart upload whose parts go up side by side (the
 * shared pool) and which is aborted on any failure or interrupt, so no parts are left behind.
 * `call` is r2-s3.ts's monitored wrapper.
 */
export function s3Uploads(client: S3Client, bucket: string, call: S3Call, deps: { signal: AbortSignal; out: Output }): Pick<R2Client, "putFile"> {
  /** A file range as a counted stream; reopened for every attempt. */
  const fileBody = (path: string, start: number, end: number, onBytes: (n: number) => void) => {
    // Counted as the SDK pulls the bytes (a "data" listener would start the flow before the SDK reads).
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    // An empty file has no byte range to read: the body is simply empty.
    if (end <= start) return new Uint8Array(0);
    const source = createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    pipeline(source, counter).catch((error: unknown) => counter.destroy(error as Error));
    return counter;
  };

  async function putSingle(key: string, path: string, size: number, opts: Parameters<R2Client["putFile"]>[2], signal: AbortSignal): Promise<PutResult> {
    let sent = 0;
    const res = await call(
      "PutObject",
      `upload ${key}`,
      () => {
        sent = 0;
        const Body = fileBody(path, 0, size, (n) => opts.onProgress?.((sent += n)));
        return client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body, ContentLength: size, ContentType: opts.contentType, Metadata: opts.metadata, ...objectHeaders(opts) }),
          { abortSignal: signal },
        );
      },
      true,
    ).catch((error: unknown) => {
      if (signal.aborted) throw new InterruptedError(`Interrupted: ${key} was not uploaded.`);
      throw error;
    });
    return { key, size, etag: unquote(res.ETag), parts: 1 };
  }

  async function putMultipart(key: string, path: string, size: number, opts: Parameters<R2Client["putFile"]>[2], signal: AbortSignal): Promise<PutResult> {
    const created = await call(
      "CreateMultipartUpload",
      `start multipart upload of ${key}`,
      () => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: opts.contentType, Metadata: opts.metadata, CacheControl: opts.cacheControl, ContentDisposition: opts.contentDisposition })),
      // Retried like the parts: at worst a lost answer leaves an empty upload that R2 expires after
      // 7 days (and `cleanup --incomplete-uploads` aborts); failing a 1 GiB upload on one 503 is worse.
      true,
    );
    const uploadId = created.UploadId!;
    const ranges = partRanges(size, opts.partSize!);
    const etags = new Array<string>(ranges.length);
    const partBytes = new Array<number>(ranges.length).fill(0);
    const report = () => opts.onProgress?.(partBytes.reduce((a, b) => a + b, 0));
    // A failed part stops the others from starting; in-flight ones are cancelled.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const uploadPart = async (range: PartRange, i: number) => {
      const res = await call(
        "UploadPart",
        `upload part ${range.partNumber} of ${key}`,
        () => {
          partBytes[i] = 0;
          const Body = fileBody(path, range.start, range.end, (n) => {
            partBytes[i]! += n;
            report();
          });
          return client.send(
            new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: range.partNumber, Body, ContentLength: range.end - range.start }),
            { abortSignal: stop.signal },
          );
        },
        true,
      ).catch((error: unknown) => {
        stop.abort();
        throw error;
      });
      etags[i] = unquote(res.ETag);
    };
    try {
      const interrupted = () => new InterruptedError(`Interrupted: the multipart upload of ${key} was aborted; no parts are left behind.`);
      await runPool(ranges, opts.partConcurrency ?? 4, uploadPart, { signal: stop.signal }).catch((error: unknown) => {
        throw signal.aborted ? interrupted() : error;
      });
      if (signal.aborted) throw interrupted();
      const done = await call(
        "CompleteMultipartUpload",
        `complete multipart upload of ${key}`,
        () =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              IfNoneMatch: opts.noClobber ? "*" : undefined,
              MultipartUpload: { Parts: ranges.map((r, i) => ({ PartNumber: r.partNumber, ETag: `"${etags[i]}"` })) },
            }),
          ),
        false,
      );
      return { key, size, etag: unquote(done.ETag), parts: ranges.length };
    } catch (error) {
      // No parts left behind: R2 would otherwise keep (and bill) them for 7 days.
      await call("AbortMultipartUpload", `abort multipart upload of ${key}`, () =>
        client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
        true,
      ).catch((abortError: unknown) => {
        deps.out.warn(`could not abort the multipart upload of ${key} (upload id ${uploadId}): ${(abortError as Error).message} R2 removes it after 7 days, or run 'kanvas images cleanup --incomplete-uploads'.`);
      });
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    putFile(key, source, opts, signal = deps.signal) {
      if (signal.aborted) return Promise.reject(new InterruptedError(`Interrupted before ${key} was uploaded.`));
      return opts.partSize === undefined ? putSingle(key, source.path, source.size, opts, signal) : putMultipart(key, source.path, source.size, opts, signal);
    },

  };
}

/** Upload headers beside the content type; If-None-Match: * makes R2 refuse (412) an existing key. */
function objectHeaders(opts: Parameters<R2Client["putFile"]>[2]) {
  return { CacheControl: opts.cacheControl, ContentDisposition: opts.contentDisposition, IfNoneMatch: opts.noClobber ? "*" : undefined };
}

import { Readable } from "node:stream";
import type { Miniflare } from "miniflare";
import type { R2Client, R2HeadInfo } from "./r2.js";

type LocalBucket = Awaited<ReturnType<Miniflare["getR2Bucket"]>>;
type Call = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

/** The local (Miniflare) adapter's single-object download. */
export function localObjectOps(bucket: () => Promise<LocalBucket>, call: Call): Pick<R2Client, "getObject"> {
  return {
    async getObject(key, signal) {
      const b = await bucket();
      // The kanvas process stays flat (about 15 MB above Miniflare's own ~164 MB, 64 MiB to 1 GiB);
      // workerd itself holds the object while serving it (bench/results/r2.md).
      const obj = await call("GetObject", () => b.get(key));
      if (!obj || !("body" in obj)) return undefined;
      const info: R2HeadInfo = {
        key,
        size: obj.size,
        lastModified: obj.uploaded,
        etag: obj.etag,
        contentType: obj.httpMetadata?.contentType,
        cacheControl: obj.httpMetadata?.cacheControl,
        contentDisposition: obj.httpMetadata?.contentDisposition,
        metadata: { ...(obj.customMetadata ?? {}) },
      };
      const body = Readable.fromWeb(obj.body as unknown as import("node:stream/web").ReadableStream<Uint8Array>, { signal });
      return { info, body };
    },
  };
}

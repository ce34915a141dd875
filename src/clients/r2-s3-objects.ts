import type { Readable } from "node:stream";
import { GetBucketLifecycleConfigurationCommand, GetObjectCommand, PutBucketLifecycleConfigurationCommand, type S3Client } from "@aws-sdk/client-s3";
import { CloudflareServiceError } from "../core/errors.js";
import type { LifecycleRule, R2Client, R2Lifecycle } from "./r2.js";

/** r2-s3.ts's monitored call: every S3 request through the monitor, its errors mapped. */
export type S3Call = <T>(operation: string, what: string, fn: () => Promise<T>, idempotent: boolean) => Promise<T>;

export function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"|"$/g, "");
}

/**
 * The S3 adapter's single-object download and bucket lifecycle calls (kept beside r2-s3.ts so
 * that file stays about uploads, listings and deletes). `call` is r2-s3.ts's monitored wrapper.
 */
export function s3ObjectOps(client: S3Client, bucket: string, call: S3Call): Pick<R2Client, "getObject"> & R2Lifecycle {
  return {
    async getObject(key, signal) {
      try {
        // The monitor retries until the headers arrive; the body then streams straight through.
        const res = await call("GetObject", `download ${key}`, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }), true);
        return {
          info: {
            key,
            // -1: unknown (a server that streams without Content-Length, as s3rver does).
            size: res.ContentLength ?? -1,
            lastModified: res.LastModified ?? new Date(0),
            etag: unquote(res.ETag),
            contentType: res.ContentType,
            cacheControl: res.CacheControl,
            contentDisposition: res.ContentDisposition,
            metadata: { ...(res.Metadata ?? {}) },
          },
          body: res.Body as Readable,
        };
      } catch (error) {
        if (error instanceof CloudflareServiceError && error.status === 404 && error.cfCode !== "NoSuchBucket") return undefined;
        throw error;
      }
    },

    async getLifecycle() {
      try {
        const res = await call("GetBucketLifecycleConfiguration", `read lifecycle rules of ${bucket}`, () => client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), true);
        return (res.Rules ?? []).map((r) => ({
          ...(r.ID ? { ID: r.ID } : {}),
          Status: r.Status === "Disabled" ? "Disabled" : "Enabled",
          ...(r.Filter?.Prefix !== undefined ? { Filter: { Prefix: r.Filter.Prefix } } : r.Prefix !== undefined ? { Filter: { Prefix: r.Prefix } } : {}),
          ...(r.Expiration?.Days !== undefined || r.Expiration?.Date
            ? { Expiration: { ...(r.Expiration.Days !== undefined ? { Days: r.Expiration.Days } : {}), ...(r.Expiration.Date ? { Date: r.Expiration.Date.toISOString() } : {}) } }
            : {}),
          ...(r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
            ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.AbortIncompleteMultipartUpload.DaysAfterInitiation } }
            : {}),
        }));
      } catch (error) {
        if (error instanceof CloudflareServiceError && error.cfCode === "NoSuchLifecycleConfiguration") return [];
        throw error;
      }
    },

    async putLifecycle(rules: LifecycleRule[]) {
      await call(
        "PutBucketLifecycleConfiguration",
        `set lifecycle rules of ${bucket}`,
        () =>
          client.send(
            new PutBucketLifecycleConfigurationCommand({
              Bucket: bucket,
              LifecycleConfiguration: {
                Rules: rules.map((r) => ({
                  ID: r.ID,
                  Status: r.Status,
                  Filter: { Prefix: r.Filter?.Prefix ?? "" },
                  Expiration: r.Expiration ? { Days: r.Expiration.Days, Date: r.Expiration.Date ? new Date(r.Expiration.Date) : undefined } : undefined,
                  AbortIncompleteMultipartUpload: r.AbortIncompleteMultipartUpload,
                })),
              },
            }),
          ),
        true,
      );
    },
  };
}

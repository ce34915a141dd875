import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { requireR2 } from "../core/config/require.js";
import type { Config } from "../core/config/types.js";
import type { ClientDeps } from "./deps.js";
import { CloudflareServiceError, ConfigError } from "../core/errors.js";
import { mapS3Error, s3RetryAfterMs } from "./r2-s3-errors.js";
import { s3ObjectOps, unquote } from "./r2-s3-objects.js";
import { s3Uploads } from "./r2-s3-upload.js";
import { parsePagesLean, type LeanListPage } from "./s3-lean-list.js";
import type { RemoteR2Client } from "./r2.js";
import { applyS3Deadline, s3HandlerTimeouts, SILENT_LOGGER } from "./s3-deadline.js";
import { finishInFlight } from "../core/request-deadline.js";

/** Where R2's S3 API lives: R2_ENDPOINT (any S3-compatible server), else the account's endpoint. */
export function r2Endpoint(config: Config): string {
  if (config.endpoints.r2Endpoint) return config.endpoints.r2Endpoint;
  if (!config.accountId) {
    throw new ConfigError("Remote R2 needs the account's S3 endpoint: set CLOUDFLARE_ACCOUNT_ID (or account_id in the config), or R2_ENDPOINT.", "r2_endpoint_missing");
  }
  const jurisdiction = config.r2?.jurisdiction && config.r2.jurisdiction !== "default" ? `.${config.r2.jurisdiction}` : "";
  return `https://${config.accountId}${jurisdiction}.r2.cloudflarestorage.com`;
}

/** Remote R2 through its S3 API. Retries are ours (ctx.monitor), so the SDK makes one attempt. */
export function createS3R2(deps: ClientDeps & { fetch?: typeof fetch }): RemoteR2Client {
  const r2 = requireR2(deps.config);
  const { r2AccessKeyId, r2SecretAccessKey } = deps.config.credentials;
  const missing = [!r2AccessKeyId && "R2_ACCESS_KEY_ID", !r2SecretAccessKey && "R2_SECRET_ACCESS_KEY"].filter(Boolean);
  if (missing.length) {
    throw new ConfigError(
      `Remote R2 needs ${missing.join(" and ")}: create an R2 API token (dashboard → R2 → Manage API tokens) and set them in the environment or .env.`,
      "r2_credentials_missing",
    );
  }
  const bucket = r2.bucketName ?? r2.previewBucketName;
  if (!bucket) throw new ConfigError(`Remote R2 needs bucket_name in the [[r2_buckets]] entry for ${r2.binding}.`, "r2_bucket_missing");
  const endpoint = r2Endpoint(deps.config);
  const client = new S3Client({
    endpoint,
    region: "auto",
    forcePathStyle: Boolean(deps.config.endpoints.r2Endpoint),
    credentials: { accessKeyId: r2AccessKeyId!, secretAccessKey: r2SecretAccessKey! },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
    requestHandler: s3HandlerTimeouts(deps.timeoutMs),
    logger: SILENT_LOGGER,
  });
  applyS3Deadline(client, deps.timeoutMs, endpoint);
  const where = { bucket, endpoint };

  /** Every S3 call: through the monitor, its errors mapped at this boundary. */
  const call = <T>(operation: string, what: string, fn: () => Promise<T>, idempotent: boolean): Promise<T> =>
    deps.monitor.call(
      "r2",
      operation,
      async () => {
        try {
          return await fn();
        } catch (error) {
          throw mapS3Error(error, what, where);
        }
      },
      { idempotent, retryAfterMs: s3RetryAfterMs },
    );

  /** One ListObjectsV2 page (1000 keys), its body read by kanvas's lean scanner (s3-lean-list.ts). */
  const listPage = (input: { Prefix?: string; StartAfter?: string; ContinuationToken?: string; Delimiter?: string }): Promise<LeanListPage> =>
    call(
      "ListObjectsV2",
      `list ${bucket}${input.Prefix ? `/${input.Prefix}` : ""}`,
      async () => {
        const sink: { page?: LeanListPage } = {};
        await client.send(parsePagesLean(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000, ...input }), sink));
        return sink.page ?? { objects: [], prefixes: [], truncated: false, nextToken: undefined };
      },
      true,
    );

  return {
    ...s3ObjectOps(client, bucket, call),
    ...s3Uploads(client, bucket, call, deps),
    target: "remote",
    bucket,
    async check() {
      await call("HeadBucket", `check bucket ${bucket}`, () => client.send(new HeadBucketCommand({ Bucket: bucket })), true);
      return `${bucket} at ${endpoint}`;
    },

    async head(key) {
      try {
        const res = await call("HeadObject", `head ${key}`, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), true);
        return {
          key,
          size: res.ContentLength ?? 0,
          lastModified: res.LastModified ?? new Date(0),
          etag: unquote(res.ETag),
          cacheControl: res.CacheControl,
          contentDisposition: res.ContentDisposition,
          contentType: res.ContentType,
          metadata: { ...(res.Metadata ?? {}) },
        };
      } catch (error) {
        if (error instanceof CloudflareServiceError && error.status === 404 && error.cfCode !== "NoSuchBucket") return undefined;
        throw error;
      }
    },

    async *list({ prefix, startAfter }) {
      let token: string | undefined;
      do {
        const page = await listPage({ Prefix: prefix || undefined, StartAfter: token ? undefined : startAfter, ContinuationToken: token });
        yield page.objects;
        token = page.truncated ? page.nextToken : undefined;
      } while (token);
    },

    async *listShallow(prefix) {
      let token: string | undefined;
      do {
        const page = await listPage({ Prefix: prefix || undefined, Delimiter: "/", ContinuationToken: token });
        yield { objects: page.objects, prefixes: page.prefixes };
        token = page.truncated ? page.nextToken : undefined;
      } while (token);
    },

    async deleteKeys(keys) {
      if (keys.length === 0) return { deleted: [], errors: [] };
      const res = await call(
        "DeleteObjects",
        `delete ${keys.length} objects`,
        // Ctrl-C lets the batch in flight finish (its deletions are reported), within its deadline.
        () => finishInFlight(() => client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }))),
        true,
      );
      const errors = (res.Errors ?? []).map((e) => ({ key: e.Key ?? "", code: e.Code ?? "UnknownError", message: e.Message ?? "" }));
      const failed = new Set(errors.map((e) => e.key));
      // Quiet: the answer lists only failures (1000 deleted keys echoed back cost a large parse);
      // a server that lists deletions anyway is believed.
      const deleted = res.Deleted?.length ? res.Deleted.map((d) => d.Key!).filter((k) => !failed.has(k)) : keys.filter((k) => !failed.has(k));
      return { deleted, errors };
    },

    async presign(key, opts) {
      const command =
        opts.method === "put"
          ? new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: opts.contentType })
          : new GetObjectCommand({ Bucket: bucket, Key: key });
      // Signed locally: no request, so nothing to monitor.
      return getSignedUrl(client, command, {
        expiresIn: opts.expiresInSeconds,
        ...(opts.contentType ? { signableHeaders: new Set(["content-type"]) } : {}),
      });
    },

    async *listMultipartUploads(prefix) {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await call(
          "ListMultipartUploads",
          `list unfinished uploads in ${bucket}`,
          () => client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })),
          true,
        );
        yield (page.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId!, initiated: u.Initiated ?? new Date(0) }));
        const more = page.IsTruncated === true;
        keyMarker = more ? page.NextKeyMarker : undefined;
        uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    },

    async abortMultipartUpload(key, uploadId) {
      await call("AbortMultipartUpload", `abort multipart upload of ${key}`, () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })), true);
    },

    async getCors() {
      try {
        const res = await call("GetBucketCors", `read CORS of ${bucket}`, () => client.send(new GetBucketCorsCommand({ Bucket: bucket })), true);
        return (res.CORSRules ?? []).map((r) => ({
          AllowedOrigins: r.AllowedOrigins ?? [],
          AllowedMethods: r.AllowedMethods ?? [],
          ...(r.AllowedHeaders?.length ? { AllowedHeaders: r.AllowedHeaders } : {}),
          ...(r.ExposeHeaders?.length ? { ExposeHeaders: r.ExposeHeaders } : {}),
          ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: r.MaxAgeSeconds } : {}),
          ...(r.ID ? { ID: r.ID } : {}),
        }));
      } catch (error) {
        if (error instanceof CloudflareServiceError && error.cfCode === "NoSuchCORSConfiguration") return [];
        throw error;
      }
    },

    async putCors(rules) {
      await call("PutBucketCors", `set CORS of ${bucket}`, () => client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } })), true);
    },
  };
}

import type { TargetKind } from "../core/target.js";

/** One object as a listing shows it. */
export interface R2ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag?: string;
}

export interface R2HeadInfo extends R2ObjectInfo {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata: Record<string, string>;
}

/** An object's bytes as a stream (read it to the end or destroy it), with its head (size -1: not announced). */
export interface R2GetResult {
  info: R2HeadInfo;
  body: import("node:stream").Readable;
}

/** One bucket lifecycle rule in the S3 API's shape (what `lifecycle get` prints and `set` takes). */
export interface LifecycleRule {
  ID?: string;
  Status: "Enabled" | "Disabled";
  Filter?: { Prefix?: string };
  Expiration?: { Days?: number; Date?: string };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}

/** A file on disk to upload: the adapter opens (and, for a retry, reopens) it itself. */
export interface PutFileSource {
  path: string;
  size: number;
}

export interface PutOptions {
  contentType: string;
  metadata: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  /** Refuse to overwrite an existing key (remote: If-None-Match: *; local: the binding's onlyIf). */
  noClobber?: boolean;
  /** Set: upload in parts of this size (see src/clients/r2-parts.ts); unset: one PUT. */
  partSize?: number;
  /** Parts in flight for a multipart upload. */
  partConcurrency?: number;
  /** Bytes sent so far for this file (monotonic, may repeat on a retried part). */
  onProgress?: (bytesDone: number) => void;
}

export interface PutResult {
  key: string;
  size: number;
  etag: string;
  parts: number;
}

export interface DeleteKeyError {
  key: string;
  code: string;
  message: string;
}

export interface DeleteResult {
  deleted: string[];
  errors: DeleteKeyError[];
}

export interface MultipartUploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** Bucket CORS in the S3 API's shape (what `cors get` prints and `cors set` takes). */
export interface CorsRule {
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
  ID?: string;
}

export interface PresignOptions {
  method: "get" | "put";
  expiresInSeconds: number;
  contentType?: string;
}

/** R2, local (Miniflare) or remote (S3 API). Every call goes through ctx.monitor. */
export interface R2Client {
  readonly target: TargetKind;
  /** The bucket's name, for messages. */
  readonly bucket: string;
  /** Confirms the bucket exists and answers; returns a one-line description. */
  check(): Promise<string>;
  /** Uploads a file streamed from disk; on abort of `signal` a multipart upload is aborted (no parts left). */
  putFile(key: string, source: PutFileSource, opts: PutOptions, signal?: AbortSignal): Promise<PutResult>;
  /** undefined when the key does not exist. */
  head(key: string): Promise<R2HeadInfo | undefined>;
  /** The listing, one page (≤ 1000 objects) at a time, in key order; `startAfter` resumes after a key. */
  list(opts: { prefix?: string; startAfter?: string }): AsyncIterable<R2ObjectInfo[]>;
  /** One level under `prefix` (delimiter "/"): objects directly under it and the sub-prefixes, a page at a time. */
  listShallow(prefix: string): AsyncIterable<{ objects: R2ObjectInfo[]; prefixes: string[] }>;
  /** Deletes ≤ 1000 keys in one request; per-key failures come back in `errors`, never thrown. */
  deleteKeys(keys: string[]): Promise<DeleteResult>;
  /** [] when the bucket has no CORS rules. */
  getCors(): Promise<CorsRule[]>;
  putCors(rules: CorsRule[]): Promise<void>;
  /** undefined when the key does not exist; the body streams (constant memory). */
  getObject(key: string, signal?: AbortSignal): Promise<R2GetResult | undefined>;
}

/** Bucket lifecycle rules (remote only: R2 itself; the context hands them out: `ctx.r2Lifecycle()`). */
export interface R2Lifecycle {
  /** [] when the bucket has no lifecycle rules. */
  getLifecycle(): Promise<LifecycleRule[]>;
  putLifecycle(rules: LifecycleRule[]): Promise<void>;
}

/** Presigned URLs (remote only: needs an S3 endpoint; the context hands it out: `ctx.presigner()`). */
export interface R2Presigner {
  presign(key: string, opts: PresignOptions): Promise<string>;
}

/** Unfinished multipart uploads (remote only: Miniflare cannot list them; `ctx.r2MultipartUploads()`). */
export interface R2MultipartUploads {
  /** Unfinished multipart uploads under a prefix, a page at a time. */
  listMultipartUploads(prefix: string): AsyncIterable<MultipartUploadInfo[]>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/** The S3-API client: the common interface plus what only an S3 endpoint has. */
export type RemoteR2Client = R2Client & R2Presigner & R2Lifecycle & R2MultipartUploads;

/**
 * The one S3 operation classifier of the test house (the S3 fronts log, fault and count by it).
 * A request it cannot name comes back as "METHOD /path" and `isS3Operation` says false: the fronts
 * report those as unexpected requests, which fail the test (unexpected-requests.ts).
 */

export const S3_OPERATIONS = [
  "DeleteObjects",
  "CreateMultipartUpload",
  "CompleteMultipartUpload",
  "UploadPart",
  "AbortMultipartUpload",
  "ListMultipartUploads",
  "PutBucketCors",
  "GetBucketCors",
  "DeleteBucketCors",
  "ListObjectsV2",
  "ListObjects",
  "HeadObject",
  "HeadBucket",
  "PutObject",
  "GetObject",
  "DeleteObject",
] as const;

export type S3OperationName = (typeof S3_OPERATIONS)[number];

/** "PutObject", "UploadPart", … for a path-style request (`/<bucket>/<key>?…`), else "METHOD /path". */
export function s3Operation(method: string, url: URL): string {
  const q = url.searchParams;
  const hasKey = url.pathname.split("/").filter(Boolean).length > 1;
  if (method === "POST" && q.has("delete")) return "DeleteObjects";
  if (method === "POST" && q.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && q.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "PUT" && q.has("partNumber")) return "UploadPart";
  if (method === "DELETE" && q.has("uploadId")) return "AbortMultipartUpload";
  if (method === "GET" && q.has("uploads")) return "ListMultipartUploads";
  if (q.has("cors")) {
    if (method === "PUT") return "PutBucketCors";
    if (method === "GET") return "GetBucketCors";
    if (method === "DELETE") return "DeleteBucketCors";
  }
  if (method === "GET" && !hasKey) return q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
  if (method === "HEAD") return hasKey ? "HeadObject" : "HeadBucket";
  if (method === "PUT" && hasKey) return "PutObject";
  if (method === "GET" && hasKey) return "GetObject";
  if (method === "DELETE" && hasKey) return "DeleteObject";
  return `${method} ${url.pathname}`;
}

export function isS3Operation(op: string): op is S3OperationName {
  return (S3_OPERATIONS as readonly string[]).includes(op);
}

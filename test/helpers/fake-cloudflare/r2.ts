/** R2 bucket management endpoint the CLI uses to check a bucket: GET /accounts/{id}/r2/buckets/{name}. */
import type { HttpHandler } from "msw";
import { CODES } from "./codes.js";
import { cfError, ok } from "./envelope.js";
import { accountRoute, type AuthConfig } from "./routes.js";

export interface R2Bucket {
  name: string;
  createdAt: number;
}

export function r2Handlers(auth: AuthConfig, buckets: Map<string, R2Bucket>): HttpHandler[] {
  return [
    accountRoute(auth, "get", "r2", "/r2/buckets/:bucketName", (ctx) => {
      const b = buckets.get(ctx.params.bucketName ?? "");
      if (!b) throw cfError(404, CODES.R2_NO_SUCH_BUCKET, "The specified bucket does not exist.");
      return ok({
        name: b.name,
        creation_date: new Date(b.createdAt).toISOString(),
        location: "enam",
        storage_class: "Standard",
        jurisdiction: "default",
      });
    }),
  ];
}

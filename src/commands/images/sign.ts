import { NotFoundError, UsageError } from "../../core/errors.js";
import { contentTypeProblem } from "../spec/content-type.js";
import { validateKey } from "../../domain/images/keys.js";
import { defineCommand } from "../define.js";
import { bool, choice, expiry, list, text } from "../spec/flag.js";
import { r2RemoteOnly } from "../spec/shared.js";

export default defineCommand({
  description: "print presigned URLs for objects (remote: needs an S3 endpoint)",
  examples: [
    "kanvas images sign uploads/u_123/1700000000000-photo.jpg --remote",
    "kanvas images sign uploads/u_123/new.png --method put --content-type image/png --expires 15m --remote",
    "kanvas images sign key1 key2 --expires 7d --remote --json",
  ],
  notes: "--expires from 1s to 7d (default 1h). GET URLs are checked with HEAD first (exit 4 if the key is missing; --no-check skips it).\nThe local (Miniflare) bucket has no S3 endpoint, so signing needs --remote.",
  args: { keys: list("object keys", { required: true, min: { count: 1, message: "name at least one object key" } }) },
  flags: {
    expires: expiry("how long the URL works: 1s to 7d", { default: "1h" }),
    method: choice("get (download) or put (upload)", ["get", "put"], { default: "get", placeholder: "<method>" }),
    contentType: text("with --method put: the Content-Type the uploader must send", { placeholder: "<type>", check: contentTypeProblem }),
    check: bool("skip the HEAD check that a GET key exists", { negatable: true }),
    ...r2RemoteOnly,
  },
  access: "read",
  async run(input, ctx) {
    const seconds = input.expires;
    if (input.contentType && input.method !== "put") throw new UsageError("--content-type pins what a PUT uploads; add --method put, or drop --content-type.", "content_type_needs_put");
    for (const key of input.keys) validateKey(key, key);
    const presigner = ctx.presigner(
      () =>
        new UsageError(
          "Presigning needs an S3 endpoint, which the local (Miniflare) bucket does not have: a presigned URL works only while a server holding the same credentials answers it, and kanvas's local runtime ends with the command. Use --remote with R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY set (R2's endpoint comes from CLOUDFLARE_ACCOUNT_ID; set R2_ENDPOINT for another S3-compatible server).",
          "needs_s3_endpoint",
        ),
    );
    const r2 = await ctx.r2();
    const results: Array<{ key: string; method: string; url: string; expiresAt: string; expiresInSeconds: number }> = [];
    for (const key of input.keys) {
      if (input.method === "get" && input.check) {
        const head = await r2.head(key);
        if (!head) throw new NotFoundError(`${key}: no such object in ${r2.bucket}. Check the key with 'kanvas images list --remote', or pass --no-check.`, "object_not_found");
      }
      const url = await presigner.presign(key, { method: input.method, expiresInSeconds: seconds, contentType: input.contentType });
      results.push({ key, method: input.method.toUpperCase(), url, expiresAt: new Date(ctx.now() + seconds * 1000).toISOString(), expiresInSeconds: seconds });
    }
    const human = () => {
      // A lone URL prints bare, so `$(kanvas images sign …)` works; the expiry goes to stderr.
      if (results.length === 1) {
        ctx.out.println(results[0]!.url);
        ctx.out.info(`${results[0]!.method} ${results[0]!.key} — expires ${results[0]!.expiresAt}`);
        return;
      }
      for (const r of results) ctx.out.println(`${r.key}\t${r.url}\t${r.expiresAt}`);
    };
    return { data: results, human };
  },
});

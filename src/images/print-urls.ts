import type { Context } from "../context.js";

/**
 * Prints output that holds presigned URLs. The Output redactor masks the R2 access key id,
 * but a presigned URL must carry it (X-Amz-Credential) to work: so this masks only the real
 * secrets (the secret access key and the API token) and writes the text as is.
 */
export async function printWithUrls(ctx: Context, text: string): Promise<void> {
  const { credentials } = await ctx.config();
  let safe = text;
  for (const secret of [credentials.r2SecretAccessKey, credentials.apiToken]) {
    if (secret && secret.length >= 8) safe = safe.split(secret).join("[redacted]").split(encodeURIComponent(secret)).join("[redacted]");
  }
  ctx.out.printBytes(Buffer.from(safe));
}

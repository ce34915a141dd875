/**
 * Miniflare 5's experimental S3 endpoint for a local R2 bucket, as a test S3 server beside s3rver.
 *
 * Miniflare 5 (what wrangler 4.164 ships; kanvas's `miniflare-current`) serves an S3 API at
 * `/cdn-cgi/local/r2/s3/<bucket>` for every R2 bucket given S3 credentials: in Miniflare's own
 * binding options `dev.experimentalS3Credentials`, in the V4 form `r2Buckets: { B: { id,
 * s3Credentials } }`. It is Cloudflare's emulation of R2 and checks SigV4 signatures (s3rver does not).
 * It runs on Node ≥ 22 only (Miniflare 5's engines), so `s3Backends()` offers it there alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { REPO_ROOT } from "./project.js";
import { startS3Server, type S3Server } from "./s3-server.js";

export const MINIFLARE_S3_AVAILABLE = Number(process.versions.node.split(".")[0]) >= 22;

export interface TestS3 extends Omit<S3Server, "objectPath"> {
  /** "s3rver" or "miniflare-s3" */
  kind: S3Kind;
}
export type S3Kind = "s3rver" | "miniflare-s3";

/** The S3 servers the R2 S3 tests run against on this Node: s3rver always, Miniflare 5's endpoint on Node ≥ 22. */
export function s3Backends(): S3Kind[] {
  return MINIFLARE_S3_AVAILABLE ? ["s3rver", "miniflare-s3"] : ["s3rver"];
}

export async function startTestS3(kind: S3Kind, opts: { bucket?: string } = {}): Promise<TestS3> {
  if (kind === "s3rver") return { kind, ...(await startS3Server(opts)) };
  return startMiniflareS3(opts);
}

/** A Miniflare 5 with one R2 bucket under throwaway credentials, persisting to a temp folder. */
export async function startMiniflareS3(opts: { bucket?: string } = {}): Promise<TestS3> {
  if (!MINIFLARE_S3_AVAILABLE) throw new Error(`Miniflare 5's S3 endpoint needs Node ≥ 22 (this is ${process.versions.node})`);
  const bucket = opts.bucket ?? "kanvas-images";
  const dir = await mkdtemp(path.join(tmpdir(), "kanvas-mf-s3-"));
  const accessKeyId = `kanvastest${randomBytes(6).toString("hex")}`;
  const secretAccessKey = randomBytes(24).toString("hex");
  const entry = path.join(REPO_ROOT, "node_modules/miniflare-current/dist/src/index.js");
  const mod = (await import(entry)) as {
    Miniflare: new (o: object) => { ready: Promise<URL>; dispose(): Promise<void> };
    convertV4MiniflareOptions: (o: object) => object;
  };
  const mf = new mod.Miniflare(
    mod.convertV4MiniflareOptions({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
      compatibilityDate: "2026-04-01",
      r2Buckets: { B: { id: bucket, s3Credentials: { accessKeyId, secretAccessKey } } },
      resourcePersistencePath: dir,
      handleStructuredLogs: () => {},
    }),
  );
  let url: URL;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    kind: "miniflare-s3",
    endpoint: new URL("/cdn-cgi/local/r2/s3", url).href,
    dir,
    accessKeyId,
    secretAccessKey,
    bucket,
    // Operations this endpoint lacks answer 501 to the client, which the tests assert; nothing to collect.
    unexpected: [],
    async close() {
      if (closed) return;
      closed = true;
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real S3 HTTP server on loopback for tests: s3rver 3.7.1 in its own child process.
 *
 * Why a child process: s3rver's ListObjectsV2 only works past 1000 keys when its process
 * runs with NODE_OPTIONS=--openssl-legacy-provider, which must not leak into the test process.
 * s3rver accepts any SigV4 signature for the access key "S3RVER" (it does not verify v4
 * signatures), and an object's LastModified is its file's mtime: age objects with
 * `fs.utimes(server.objectPath(key), atime, mtime)`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { watchServer } from "./unexpected-requests.js";

export interface S3Server {
  /** e.g. "http://127.0.0.1:PORT"; use with forcePathStyle: true */
  endpoint: string;
  /** the temp folder s3rver stores buckets in (removed by close) */
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** requests for operations s3rver does not implement; the after-each check empties it */
  unexpected: string[];
  /** the file whose mtime is the object's LastModified */
  objectPath(key: string): string;
  close(): Promise<void>;
}

const CHILD_SCRIPT = fileURLToPath(new URL("./s3rver-process.cjs", import.meta.url));
const START_TIMEOUT_MS = 15_000;

export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bucket = opts.bucket ?? "kanvas-images";
  if (bucket.length < 3) throw new Error(`s3rver needs bucket names of 3+ characters: "${bucket}"`);
  const dir = await mkdtemp(path.join(tmpdir(), "kanvas-s3rver-"));

  const child = fork(CHILD_SCRIPT, [], {
    env: {
      ...process.env,
      NODE_OPTIONS: "--openssl-legacy-provider",
      S3RVER_DIR: dir,
      S3RVER_BUCKET: bucket,
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });

  let port: number;
  try {
    port = await waitForPort(child);
  } catch (err) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const unexpected: string[] = [];
  child.on("message", (msg: { type?: string; request?: string }) => {
    if (msg.type === "unexpected" && msg.request) unexpected.push(msg.request);
  });
  const unwatch = watchServer({ name: "s3rver (operation it does not implement)", take: () => unexpected.splice(0) });
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    bucket,
    unexpected,
    objectPath(key: string): string {
      // Mirrors s3rver's FilesystemStore.getResourcePath on POSIX.
      const parts = key.split("/");
      const last = parts.pop() ?? "";
      return path.join(dir, bucket, ...parts, `${last}._S3rver_object`);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await stopChild(child);
      unwatch();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => finish(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
    const onMessage = (msg: unknown): void => {
      const m = msg as { type?: string; port?: number; message?: string };
      if (m.type === "listening" && typeof m.port === "number") finish(undefined, m.port);
      else if (m.type === "error") finish(new Error(`s3rver failed to start: ${m.message}`));
    };
    const onExit = (code: number | null): void => finish(new Error(`s3rver exited early (code ${code})\n${stderr}`));
    function finish(err: Error | undefined, port?: number): void {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(port as number);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The S3 client tests use to seed and inspect the server, set up as kanvas sets up its own for R2. */
export function s3ClientFor(server: Pick<S3Server, "endpoint" | "accessKeyId" | "secretAccessKey">): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: "auto",
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/**
 * s3rver and a client for it, started in the calling suite's beforeAll and closed in its afterAll.
 * `r2Env` is the environment that points kanvas's R2 client at it.
 */
export function useS3Server(): { started(): { s3: S3Server; sdk: S3Client }; r2Env(accountId?: string): Record<string, string> } {
  let s3: S3Server | undefined;
  let sdk: S3Client | undefined;
  beforeAll(async () => {
    s3 = await startS3Server();
    sdk = s3ClientFor(s3);
  });
  afterAll(async () => {
    sdk?.destroy();
    await s3?.close();
  });
  const started = () => {
    if (!s3 || !sdk) throw new Error("useS3Server: s3rver starts in beforeAll; use it inside tests or hooks");
    return { s3, sdk };
  };
  return {
    started,
    r2Env(accountId = "0123456789abcdef0123456789abcdef") {
      const { s3: server } = started();
      return { R2_ENDPOINT: server.endpoint, R2_ACCESS_KEY_ID: server.accessKeyId, R2_SECRET_ACCESS_KEY: server.secretAccessKey, CLOUDFLARE_ACCOUNT_ID: accountId };
    },
  };
}

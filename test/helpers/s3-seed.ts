/**
 * Seeding and reading an S3 bucket in tests (s3rver): many small objects put 16 at a time, aged
 * through their files' mtime (s3rver's LastModified), and listed back across pages.
 */
import { utimesSync } from "node:fs";
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { runPool } from "../../src/core/pool.js";
import type { S3Server } from "./s3-server.js";

const DAY = 86_400_000;

/** Puts each key (body `body(key)`, default "x") into the server's bucket, 16 requests at a time. */
export async function putObjects(sdk: S3Client, s3: Pick<S3Server, "bucket">, keys: string[], body: (key: string) => string = () => "x"): Promise<void> {
  await runPool(keys, 16, (key) => sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body(key) })));
}

/** Gives each key a LastModified `ageDays` ago. */
export function ageObjects(s3: Pick<S3Server, "objectPath">, keys: string[], ageDays = 40): void {
  const then = new Date(Date.now() - ageDays * DAY);
  for (const key of keys) utimesSync(s3.objectPath(key), then, then);
}

/** `count` keys `<prefix>00000.jpg`, `<prefix>00001.jpg`, … */
export function numberedKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.jpg`);
}

/** Every key under `prefix`, across ListObjectsV2 pages. */
export async function listKeys(sdk: S3Client, s3: Pick<S3Server, "bucket">, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await sdk.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

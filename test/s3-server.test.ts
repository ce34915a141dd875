import { utimes } from "node:fs/promises";
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFor, startS3Server, type S3Server } from "./helpers/s3-server.js";

let server: S3Server;
let s3: S3Client;

beforeAll(async () => {
  server = await startS3Server();
  s3 = s3ClientFor(server);
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

async function putMany(keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: key }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function listAll(prefix: string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    pages++;
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { keys, pages };
}

describe("s3rver on loopback", () => {
  it("starts with the configured bucket, on 127.0.0.1", () => {
    expect(server.bucket).toBe("kanvas-images");
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("stores user metadata and content type, returned by HeadObject", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: "uploads/u1/avatar.png",
        Body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
        ContentType: "image/png",
        Metadata: { owner: "u1", "room-id": "r42" },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: "uploads/u1/avatar.png" }));
    expect(head.ContentType).toBe("image/png");
    expect(head.ContentLength).toBe(4);
    expect(head.Metadata).toEqual({ owner: "u1", "room-id": "r42" });
  });

  it("lists 1,500 keys across pages (ListObjectsV2 past 1000 keys)", async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `bulk/${String(i).padStart(5, "0")}.txt`);
    await putMany(keys);
    const listed = await listAll("bulk/");
    expect(listed.pages).toBe(2);
    expect(listed.keys).toEqual(keys);
  }, 120_000);

  it("deletes 1000 keys with one DeleteObjects request", async () => {
    const before = await listAll("bulk/");
    const doomed = before.keys.slice(0, 1000);
    const res = await s3.send(
      new DeleteObjectsCommand({
        Bucket: server.bucket,
        Delete: { Objects: doomed.map((Key) => ({ Key })), Quiet: false },
      }),
    );
    expect(res.Errors ?? []).toEqual([]);
    expect(res.Deleted?.length).toBe(1000);
    const after = await listAll("bulk/");
    expect(after.keys).toEqual(before.keys.slice(1000));
  }, 180_000);

  it("ages an object through its file's mtime", async () => {
    const key = "uploads/u1/old.jpg";
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: "old" }));
    const fresh = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(Date.now() - fresh.LastModified!.getTime()).toBeLessThan(60_000);

    const fortyDaysAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await utimes(server.objectPath(key), fortyDaysAgo, fortyDaysAgo);

    const aged = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(Math.abs(aged.LastModified!.getTime() - fortyDaysAgo.getTime())).toBeLessThan(1000);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: key }));
    expect(Math.abs(listed.Contents![0]!.LastModified!.getTime() - fortyDaysAgo.getTime())).toBeLessThan(1000);
  });
});

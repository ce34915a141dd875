/**
 * The shared set-up of the remote images tests (cleanup, interrupt, verbs): s3rver behind the
 * s3-faults front, the fake Cloudflare API with the app's schema (from the real migrations) in one
 * D1 database, an S3 client for seeding, and temp projects whose wrangler.toml and env point at them.
 *
 *   const images = useRemoteImages();            // beforeAll/afterAll of the calling suite
 *   const p = images.project();                  // fresh project, faults and rate limit cleared
 *   await images.seed("uploads/a/", 100, 50);    // 100 objects, the first 50 aged 40 days
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { createAppSchema } from "./app-schema.js";
import { startFakeCloudflare, type FakeCloudflare } from "./fake-cloudflare/index.js";
import { tempProject, type TempProject } from "./project.js";
import { ageObjects, listKeys, numberedKeys, putObjects } from "./s3-seed.js";
import { startS3Faults, type S3Faults } from "./s3-faults.js";
import { s3ClientFor, startS3Server, type S3Server } from "./s3-server.js";
import { wranglerToml } from "./wrangler-config.js";

export interface RemoteImagesServers {
  s3: S3Server;
  front: S3Faults;
  cf: FakeCloudflare;
  dbId: string;
  sdk: S3Client;
}

export interface RemoteImagesProject extends TempProject {
  env: Record<string, string>;
}

export interface RemoteImages {
  /** the running servers (after the suite's beforeAll) */
  servers(): RemoteImagesServers;
  /**
   * A temp project (D1 + R2 bindings) pointed at the front and the fake API. Its env has the
   * credentials, KANVAS_AUDIT_LOG (audit.ndjson in the project) and KANVAS_RETRY_BASE_MS=1;
   * `env` adds to it, and an `undefined` value leaves a variable out.
   */
  project(opts?: { env?: Record<string, string | undefined> }): RemoteImagesProject;
  /** `count` objects `<prefix>00000.jpg…` (body `body(key)`), the first `old` aged `ageDays`; returns the keys */
  seed(prefix: string, count: number, old: number, opts?: { ageDays?: number; body?: (key: string) => string }): Promise<string[]>;
  /** every key left under `prefix` */
  remaining(prefix: string): Promise<string[]>;
}

export function useRemoteImages(): RemoteImages {
  let servers: RemoteImagesServers | undefined;
  beforeAll(async () => {
    const [s3, cf] = await Promise.all([startS3Server(), startFakeCloudflare()]);
    const front = await startS3Faults(s3.endpoint);
    const dbId = cf.d1.createDatabase("kanvas-db").uuid;
    createAppSchema((sql) => cf.d1.exec(dbId, sql));
    servers = { s3, cf, front, dbId, sdk: s3ClientFor(s3) };
  });
  afterAll(async () => {
    if (!servers) return;
    servers.sdk.destroy();
    await servers.front.close();
    await Promise.all([servers.s3.close(), servers.cf.close()]);
  });
  const get = (): RemoteImagesServers => {
    if (!servers) throw new Error("useRemoteImages: the servers start in beforeAll; use them inside tests or hooks");
    return servers;
  };

  return {
    servers: get,
    project(opts = {}) {
      const { s3, front, cf, dbId } = get();
      front.clear();
      cf.rateLimit.clear();
      const p = tempProject({
        wrangler: wranglerToml({ compatibilityDate: null, d1: { databaseId: dbId, migrationsDir: null }, kv: false, rateLimits: false }),
        migrations: false,
      });
      const merged: Record<string, string | undefined> = {
        R2_ENDPOINT: front.endpoint,
        R2_ACCESS_KEY_ID: s3.accessKeyId,
        R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
        CLOUDFLARE_ACCOUNT_ID: cf.accountId,
        CLOUDFLARE_API_TOKEN: cf.token,
        CLOUDFLARE_BASE_URL: cf.baseURL,
        KANVAS_AUDIT_LOG: p.file("audit.ndjson"),
        KANVAS_RETRY_BASE_MS: "1",
        ...opts.env,
      };
      const env = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
      return { ...p, env };
    },
    async seed(prefix, count, old, o = {}) {
      const { s3, sdk } = get();
      const keys = numberedKeys(prefix, count);
      await putObjects(sdk, s3, keys, o.body);
      ageObjects(s3, keys.slice(0, old), o.ageDays);
      return keys;
    },
    remaining: (prefix) => listKeys(get().sdk, get().s3, prefix),
  };
}

/** The fault suite's scenarios for commands that talk to R2's S3 API (images). */
import { expect } from "vitest";
import { rigProject } from "../reliability-rig.js";
import { d1, migrated, rig, s3Exists, s3Get, s3Put, type Scenario } from "./rig.js";

export const s3Scenarios: Scenario[] = [
  {
    name: "images upload",
    side: "s3",
    async setup(n) {
      const p = rigProject(rig, { migrations: false });
      const body = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, n % 251)]);
      p.write("pic.png", body);
      const key = `faults/upload/${n}/pic.png`;
      return {
        p,
        args: ["images", "upload", "pic.png", "--key", key, "--remote", "--json"],
        async check(r) {
          const got = await s3Get(key);
          if (r.code === 0) expect(got?.equals(body)).toBe(true);
          else if (got) expect(got.equals(body)).toBe(true);
        },
      };
    },
  },
  {
    name: "images upload (multipart)",
    side: "s3",
    async setup(n) {
      const p = rigProject(rig, { migrations: false });
      const body = Buffer.alloc(11 * 1024 * 1024, n % 251);
      body.write(`head-${n}`, 0);
      p.write("big.bin", body);
      const key = `faults/multipart/${n}/big.bin`;
      return {
        p,
        args: ["images", "upload", "big.bin", "--key", key, "--multipart-threshold", "5MiB", "--remote"],
        async check(r) {
          const unfinished = [...rig.front!.uploads.values()].filter((u) => u.key === key);
          expect(unfinished, "no multipart upload left unfinished").toEqual([]);
          const got = await s3Get(key);
          if (r.code === 0) expect(got?.equals(body)).toBe(true);
          else if (got) expect(got.equals(body)).toBe(true);
        },
      };
    },
  },
  {
    name: "images sign",
    side: "s3",
    async setup(n) {
      const p = rigProject(rig, { migrations: false });
      const key = `faults/sign/${n}.png`;
      await s3Put(key, "signed bytes");
      return {
        p,
        args: ["images", "sign", key, "--expires", "10m", "--remote", "--json"],
        async check(r) {
          if (r.code === 0) {
            const json = JSON.parse(r.stdout);
            const url = (Array.isArray(json) ? json[0] : json).url as string;
            expect(url).toContain(encodeURIComponent(`${n}.png`).replace(/%2F/g, "/"));
          }
        },
      };
    },
  },
  {
    name: "images list",
    side: "s3",
    async setup(n) {
      const p = rigProject(rig, { migrations: false });
      const prefix = `faults/list/${n}/`;
      for (let i = 0; i < 5; i++) await s3Put(`${prefix}${i}.png`, "x");
      return {
        p,
        args: ["images", "list", "--prefix", prefix, "--remote", "--json"],
        async check(r) {
          if (r.code === 0) expect((JSON.parse(r.stdout) as Array<{ key: string }>).map((o) => o.key).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}${i}.png`));
        },
      };
    },
  },
  {
    name: "images cleanup",
    side: "s3",
    async setup(n) {
      const p = await migrated();
      const prefix = `uploads/faults-${n}/`;
      const old = [0, 1, 2].map((i) => `${prefix}old-${i}.jpg`);
      const referenced = `${prefix}old-referenced.jpg`;
      const young = [`${prefix}young-0.jpg`, `${prefix}young-1.jpg`];
      for (const k of [...old, referenced]) await s3Put(k, `bytes ${k}`, 40);
      for (const k of young) await s3Put(k, `bytes ${k}`);
      d1(p, `INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES ('a${n}', 'u1', '${referenced}', 10)`);
      return {
        p,
        args: ["images", "cleanup", "--older-than", "30d", "--prefix", prefix, "--remote", "--yes", "--json"],
        async check(r) {
          for (const k of [referenced, ...young]) expect(await s3Exists(k), `${k} must survive`).toBe(true);
          if (r.code === 0) {
            for (const k of old) expect(await s3Exists(k), `${k} must be gone`).toBe(false);
            expect(JSON.parse(r.stdout)).toMatchObject({ matched: 4, referenced: 1, deleted: 3, errors: 0 });
          }
          const audit = p.audit().filter((a) => a.command === "images cleanup");
          expect(audit, "one audit line per cleanup run").toHaveLength(1);
        },
      };
    },
  },
];

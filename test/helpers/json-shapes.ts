/**
 * The --json shapes of every command (issue 11 item 12), as strict zod schemas: an extra, missing or
 * renamed field fails the test that parses a command's output with them. README "JSON shapes" lists
 * the same. One name for one thing: `key`; every result (or every record of a list) has `target`.
 */
import { z } from "zod";

const target = z.enum(["local", "remote"]);
const iso = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

export const errorEnvelope = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).strict() }).strict();

export const shapes = {
  "cache get": z.object({ target, key: z.string(), value: z.unknown(), type: z.enum(["json", "text", "base64"]), bytes: z.number(), metadata: z.unknown().optional(), expiration: z.number().nullable().optional() }).strict(),
  "cache put": z.object({ target, key: z.string(), bytes: z.number(), expiration: z.number().nullable(), metadata: z.unknown() }).strict(),
  "cache put --bulk": z.object({ target, written: z.number(), failed: z.array(z.string()), requests: z.number() }).strict(),
  "cache list": z.array(z.object({ target, key: z.string(), expiration: z.number().nullable(), metadata: z.unknown() }).strict()),
  "cache delete": z.object({ target, requested: z.number(), keys: z.array(z.string()), missing: z.array(z.string()).nullable(), deleted: z.number().nullable(), failed: z.array(z.string()), dryRun: z.boolean() }).strict(),
  "cache ratelimit hit": z.object({ target, userId: z.string(), action: z.string(), key: z.string(), count: z.number(), cost: z.number(), limit: z.number(), remaining: z.number(), resetsInSeconds: z.number(), allowed: z.literal(true) }).strict(),
  "cache ratelimit status": z.object({ target, userId: z.string(), hour: z.number(), actions: z.array(z.object({ action: z.string(), count: z.number(), limit: z.number().nullable(), remaining: z.number().nullable(), resetsInSeconds: z.number() }).strict()) }).strict(),
  "cache ratelimit top": z.object({ target, hour: z.number(), action: z.string().nullable(), resetsInSeconds: z.number(), users: z.array(z.object({ userId: z.string(), count: z.number(), actions: z.record(z.string(), z.number()), limit: z.number().nullable().optional(), remaining: z.number().nullable().optional() }).strict()) }).strict(),
  "cache ratelimit reset": z.object({ target, userId: z.string(), deleted: z.number(), counters: z.array(z.object({ key: z.string(), count: z.number() }).passthrough()), failed: z.array(z.string()), dryRun: z.boolean() }).strict(),
  "db migrate": z.object({ target, applied: z.array(z.object({ name: z.string(), ms: z.number(), via: z.string() }).strict()), pending: z.array(z.string()), bookmark: z.string().nullable() }).strict(),
  "db migrate status": z.object({ target, migrations: z.array(z.object({ name: z.string(), state: z.enum(["applied", "pending", "drifted", "missing"]), applied_at: iso.nullable(), out_of_order: z.literal(true).optional(), checksum_recorded: z.literal(false).optional() }).strict()), summary: z.object({ applied: z.number(), pending: z.number(), drifted: z.number(), missing: z.number() }).strict() }).strict(),
  "images upload": z.array(z.object({ target, file: z.string(), key: z.string(), size: z.number(), etag: z.string(), contentType: z.string(), seconds: z.number(), parts: z.number(), originalSize: z.number().optional(), optimizedSize: z.number().optional(), kept: z.enum(["optimized", "original"]).optional(), assetId: z.string().optional(), url: z.string().optional(), expiresAt: iso.optional() }).strict()),
  "images list": z.array(z.object({ target, key: z.string(), size: z.number(), lastModified: iso, ageSeconds: z.number() }).strict()),
  "images sign": z.array(z.object({ target, key: z.string(), method: z.enum(["GET", "PUT"]), url: z.string(), expiresAt: iso, expiresInSeconds: z.number() }).strict()),
  "images head": z.object({ target, key: z.string(), size: z.number(), contentType: z.string().nullable(), etag: z.string().nullable(), lastModified: iso, cacheControl: z.string().nullable(), contentDisposition: z.string().nullable(), metadata: z.record(z.string(), z.string()), referenced: z.array(z.unknown()).nullable() }).strict(),
  "images get": z.object({ target, key: z.string(), file: z.string(), size: z.number(), contentType: z.string().nullable(), etag: z.string().nullable() }).strict(),
  "images delete --dry-run": z.object({ target, dryRun: z.literal(true), bucket: z.string(), delete: z.array(z.string()), missing: z.array(z.string()), rows: z.array(z.unknown()) }).strict(),
  "images delete": z.object({ target, bucket: z.string(), deleted: z.array(z.string()), missing: z.array(z.string()), rowsDeleted: z.number(), errors: z.array(z.unknown()) }).strict(),
  "images cors get": z.object({ target, bucket: z.string(), CORSRules: z.array(z.unknown()) }).strict(),
  "images cors set": z.object({ target, bucket: z.string(), dryRun: z.boolean(), replaced: z.number(), CORSRules: z.array(z.unknown()) }).strict(),
  doctor: z.object({ target, ok: z.boolean(), checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), ms: z.number() }).strict()) }).strict(),
};

/**
 * A small S3 front on loopback, in front of s3rver, for what s3rver lacks: AbortMultipartUpload,
 * ListMultipartUploads, per-key DeleteObjects errors and 5xx answers. Everything it does not
 * handle itself is proxied to s3rver unchanged. It also logs every request (for request counts).
 * Injected answers go through the one fault API (`front.faults`, faults.ts); `failNext` is its
 * short form. A request no S3 operation names (s3-operation.ts) is an unexpected request.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Faults } from "./faults.js";
import { applyS3Fault } from "./s3-fault-answer.js";
import { isS3Operation, s3Operation } from "./s3-operation.js";
import { watchServer } from "./unexpected-requests.js";

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** "PutObject", "UploadPart", "DeleteObjects", … as far as the front can tell. */
  op: string;
}

export interface TrackedUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface S3Faults {
  endpoint: string;
  requests: SeenRequest[];
  /** Unfinished multipart uploads as the front tracks them (created, not completed or aborted). */
  uploads: Map<string, TrackedUpload>;
  aborted: TrackedUpload[];
  /** the one fault API (faults.ts), matching requests by `op` */
  faults: Faults;
  /** requests no S3 operation names ("METHOD /path"); the after-each check empties it */
  unclassified: string[];
  /** Each listed key fails in DeleteObjects answers `times` times (then deletes normally). */
  failDeleteKeys(keys: string[], opts?: { times?: number; code?: string }): void;
  /** The next `times` requests of operation `op` get HTTP `status` (an S3 error body). */
  failNext(op: string, status: number, opts?: { times?: number; code?: string; retryAfter?: string }): void;
  /** Drops every injected fault, key fault and delay. */
  clear(): void;
  /** Every request of operation `op` waits `ms` before it is handled (0 turns it off). */
  slow(op: string, ms: number): void;
  /** An unfinished upload the front pretends exists (e.g. one started 10 days ago). */
  addUpload(key: string, initiated: Date): TrackedUpload;
  count(op: string): number;
  close(): Promise<void>;
}

export async function startS3Faults(upstream: string): Promise<S3Faults> {
  const requests: SeenRequest[] = [];
  const uploads = new Map<string, TrackedUpload>();
  const aborted: TrackedUpload[] = [];
  const keyFaults = new Map<string, { left: number; code: string }>();
  const faults = new Faults();
  const unclassified: string[] = [];
  let fakeIds = 0;
  const delays = new Map<string, number>();

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://front");
      const op = s3Operation(req.method ?? "GET", url);
      if (!isS3Operation(op)) unclassified.push(op);
      requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, op });
      const [, bucket = "", ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));

      const delay = delays.get(op);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const fault = faults.next(req.method ?? "GET", url.pathname, op);
      if (await applyS3Fault(req, res, fault)) return;
      if (op === "ListMultipartUploads") {
        const prefix = url.searchParams.get("prefix") ?? "";
        const items = [...uploads.values()].filter((u) => u.key.startsWith(prefix));
        res.writeHead(200, { "content-type": "application/xml" }).end(listUploadsXml(bucket, uploadsPage(items, url.searchParams)));
        return;
      }
      if (op === "AbortMultipartUpload") {
        const id = url.searchParams.get("uploadId") ?? "";
        const u = uploads.get(id);
        if (u) {
          uploads.delete(id);
          aborted.push(u);
        }
        res.writeHead(u ? 204 : 404, u ? {} : { "content-type": "application/xml" }).end(u ? undefined : errorXml("NoSuchUpload", "no such upload"));
        return;
      }
      if (op === "DeleteObjects" && keyFaults.size) {
        const body = (await readBody(req)).toString("utf8");
        const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
        const deleted: string[] = [];
        const errors: Array<{ key: string; code: string }> = [];
        for (const k of keys) {
          const f = keyFaults.get(k);
          if (f && f.left > 0) {
            f.left--;
            errors.push({ key: k, code: f.code });
            continue;
          }
          await fetch(`${upstream}/${bucket}/${k.split("/").map(encodeURIComponent).join("/")}`, { method: "DELETE" });
          deleted.push(k);
        }
        res.writeHead(200, { "content-type": "application/xml" }).end(deleteResultXml(deleted, errors));
        return;
      }

      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        // fetch sets these itself (and refuses some of them).
        if (v !== undefined && !["host", "connection", "content-length", "expect", "transfer-encoding", "keep-alive"].includes(k)) headers[k] = String(v);
      }
      const upstreamRes = await fetch(upstream + (req.url ?? "/"), {
        method: req.method,
        headers,
        body: body.length || req.method === "PUT" || req.method === "POST" ? body : undefined,
        redirect: "manual",
      });
      const answer = Buffer.from(await upstreamRes.arrayBuffer());
      if (process.env.S3_FAULTS_DEBUG && !upstreamRes.ok) console.error("s3-faults upstream:", op, upstreamRes.status, answer.toString("utf8").slice(0, 500), headers);
      if (op === "CreateMultipartUpload" && upstreamRes.ok) {
        const id = /<UploadId>([^<]*)<\/UploadId>/.exec(answer.toString("utf8"))?.[1];
        if (id) uploads.set(id, { key, uploadId: id, initiated: new Date() });
      }
      if (op === "CompleteMultipartUpload" && upstreamRes.ok) uploads.delete(url.searchParams.get("uploadId") ?? "");
      const outHeaders: Record<string, string> = {};
      upstreamRes.headers.forEach((v, k) => {
        if (!["content-length", "transfer-encoding", "connection", "content-encoding"].includes(k)) outHeaders[k] = v;
      });
      res.writeHead(upstreamRes.status, outHeaders).end(answer);
    } catch (error) {
      if (process.env.S3_FAULTS_DEBUG) console.error("s3-faults:", error);
      res.writeHead(500, { "content-type": "application/xml" }).end(errorXml("InternalError", String(error)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const unwatch = watchServer({ name: "S3 fault front (unclassified S3 request)", take: () => unclassified.splice(0) });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    uploads,
    aborted,
    faults,
    unclassified,
    failDeleteKeys(keys, opts = {}) {
      for (const k of keys) keyFaults.set(k, { left: opts.times ?? 1, code: opts.code ?? "InternalError" });
    },
    failNext(op, status, opts = {}) {
      faults.inject({ match: { op }, status, times: opts.times, code: opts.code, retryAfter: opts.retryAfter });
    },
    clear() {
      faults.clear();
      keyFaults.clear();
      delays.clear();
    },
    slow(op, ms) {
      delays.set(op, ms);
    },
    addUpload(key, initiated) {
      const u = { key, uploadId: `fake-upload-${++fakeIds}`, initiated };
      uploads.set(u.uploadId, u);
      return u;
    },
    count(op) {
      return requests.filter((r) => r.op === op).length;
    },
    close() {
      unwatch();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

function deleteResultXml(deleted: string[], errors: Array<{ key: string; code: string }>): string {
  const d = deleted.map((k) => `<Deleted><Key>${escapeXml(k)}</Key></Deleted>`).join("");
  const e = errors.map((x) => `<Error><Key>${escapeXml(x.key)}</Key><Code>${x.code}</Code><Message>injected</Message></Error>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${d}${e}</DeleteResult>`;
}

/** One page as S3 pages uploads: ordered by key then upload id, after key-marker/upload-id-marker, at most max-uploads (1000). */
function uploadsPage(items: TrackedUpload[], q: URLSearchParams): { items: TrackedUpload[]; next?: { key: string; uploadId: string } } {
  const order = (a: TrackedUpload, b: TrackedUpload) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0);
  const keyMarker = q.get("key-marker");
  const idMarker = q.get("upload-id-marker") ?? "";
  const after = keyMarker === null ? items : items.filter((u) => u.key > keyMarker || (u.key === keyMarker && idMarker !== "" && u.uploadId > idMarker));
  const max = Math.min(1000, Number(q.get("max-uploads") ?? 1000));
  const sorted = after.sort(order);
  const page = sorted.slice(0, max);
  const last = page.at(-1);
  return { items: page, next: sorted.length > max && last ? { key: last.key, uploadId: last.uploadId } : undefined };
}

function listUploadsXml(bucket: string, page: { items: TrackedUpload[]; next?: { key: string; uploadId: string } }): string {
  const u = page.items
    .map((x) => `<Upload><Key>${escapeXml(x.key)}</Key><UploadId>${x.uploadId}</UploadId><Initiated>${x.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`)
    .join("");
  const next = page.next ? `<NextKeyMarker>${escapeXml(page.next.key)}</NextKeyMarker><NextUploadIdMarker>${page.next.uploadId}</NextUploadIdMarker>` : "";
  return `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><IsTruncated>${Boolean(page.next)}</IsTruncated>${next}${u}</ListMultipartUploadsResult>`;
}

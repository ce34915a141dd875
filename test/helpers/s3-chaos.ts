/**
 * A fault proxy in front of an S3 endpoint (s3rver, or the s3-faults front) for the reliability suite:
 * dropped connections, 5xx/429 answers and slow answers, injected for the next N requests of an
 * operation, or as a seeded random mix. Everything else is piped through unchanged.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mulberry32 } from "./fake-cloudflare/faults.js";

export type ChaosKind = "429" | "500" | "502" | "503" | "drop" | "slow";

export interface ChaosFault {
  kind: ChaosKind;
  /** only requests whose operation matches (default: every request) */
  op?: RegExp;
  times?: number;
  /** for 429 */
  retryAfter?: string;
  /** for slow */
  delayMs?: number;
}

export interface S3Chaos {
  endpoint: string;
  /** "PutObject", "UploadPart", … and what was done to it */
  log: Array<{ op: string; url: string; fault?: ChaosKind }>;
  inject(f: ChaosFault): void;
  randomly(opts: { rate: number; seed: number; kinds: ChaosKind[]; slowMs?: number; op?: RegExp }): void;
  clear(): void;
  injected(): number;
  close(): Promise<void>;
}

export function s3Operation(method: string, url: URL): string {
  const q = url.searchParams;
  const hasKey = url.pathname.split("/").filter(Boolean).length > 1;
  if (method === "POST" && q.has("delete")) return "DeleteObjects";
  if (method === "POST" && q.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && q.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "PUT" && q.has("partNumber")) return "UploadPart";
  if (method === "DELETE" && q.has("uploadId")) return "AbortMultipartUpload";
  if (method === "GET" && q.has("uploads")) return "ListMultipartUploads";
  if (method === "GET" && !hasKey) return "ListObjectsV2";
  if (method === "HEAD") return hasKey ? "HeadObject" : "HeadBucket";
  if (method === "PUT" && hasKey) return "PutObject";
  if (method === "GET" && hasKey) return "GetObject";
  if (method === "DELETE" && hasKey) return "DeleteObject";
  return `${method} ${url.pathname}`;
}

const xmlError = (code: string, status: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected ${status}</Message></Error>`;

export async function startS3Chaos(upstream: string): Promise<S3Chaos> {
  const target = new URL(upstream);
  const pending: Array<ChaosFault & { left: number }> = [];
  let random: { rate: number; kinds: ChaosKind[]; slowMs: number; op?: RegExp; rng: () => number } | undefined;
  const log: S3Chaos["log"] = [];
  const sockets = new Set<Socket>();

  const pick = (op: string): ChaosFault | undefined => {
    const i = pending.findIndex((p) => p.left > 0 && (!p.op || p.op.test(op)));
    if (i >= 0) {
      const p = pending[i]!;
      if (--p.left === 0) pending.splice(i, 1);
      return p;
    }
    if (!random || (random.op && !random.op.test(op))) return undefined;
    if (random.rng() >= random.rate) return undefined;
    const kind = random.kinds[Math.floor(random.rng() * random.kinds.length)]!;
    return { kind, retryAfter: "0", delayMs: random.slowMs };
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://chaos");
    const op = s3Operation(req.method ?? "GET", url);
    const fault = pick(op);
    log.push({ op, url: req.url ?? "/", fault: fault?.kind });
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs ?? 300));
    if (fault?.kind === "drop") {
      req.resume();
      req.socket.destroy();
      return;
    }
    if (fault && fault.kind !== "slow") {
      req.resume();
      const status = Number(fault.kind);
      const headers: Record<string, string> = { "content-type": "application/xml" };
      if (status === 429 && fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      const code = status === 429 ? "SlowDown" : status === 503 ? "ServiceUnavailable" : "InternalError";
      res.writeHead(status, headers).end(xmlError(code, status));
      return;
    }
    const proxied = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    proxied.on("error", () => res.destroy());
    req.pipe(proxied);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    inject(f) {
      pending.push({ ...f, left: f.times ?? 1 });
    },
    randomly(o) {
      random = { rate: o.rate, kinds: o.kinds, slowMs: o.slowMs ?? 300, op: o.op, rng: mulberry32(o.seed) };
    },
    clear() {
      pending.length = 0;
      random = undefined;
    },
    injected: () => log.filter((l) => l.fault).length,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

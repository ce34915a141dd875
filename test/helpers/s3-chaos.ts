/**
 * A fault proxy in front of an S3 endpoint (s3rver, or the s3-faults front) for the reliability suite:
 * dropped connections, 5xx/429 answers and slow answers, injected for the next N requests of an
 * operation, or as a seeded random mix. Everything else is piped through unchanged.
 * Faults go through the one fault API (`chaos.faults`, faults.ts); `inject`/`randomly` here are
 * its short forms by kind. A request no S3 operation names is an unexpected request.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Faults, faultOfKind, type RandomKind } from "./faults.js";
import { applyS3Fault } from "./s3-fault-answer.js";
import { isS3Operation, s3Operation } from "./s3-operation.js";
import { watchServer } from "./unexpected-requests.js";

export { s3Operation } from "./s3-operation.js";

export type ChaosKind = RandomKind;

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
  /** the one fault API (faults.ts), matching requests by `op` */
  faults: Faults;
  /** requests no S3 operation names ("METHOD /path"); the after-each check empties it */
  unclassified: string[];
  inject(f: ChaosFault): void;
  randomly(opts: { rate: number; seed: number; kinds: ChaosKind[]; slowMs?: number; op?: RegExp }): void;
  clear(): void;
  injected(): number;
  close(): Promise<void>;
}

/** What a fault did to a request, for the log. */
function kindOf(f: { status?: number; drop?: boolean; delayMs?: number } | undefined): ChaosKind | undefined {
  if (!f) return undefined;
  if (f.drop) return "drop";
  if (f.status !== undefined) return String(f.status) as ChaosKind;
  return f.delayMs ? "slow" : undefined;
}

export async function startS3Chaos(upstream: string): Promise<S3Chaos> {
  const target = new URL(upstream);
  const faults = new Faults();
  const log: S3Chaos["log"] = [];
  const unclassified: string[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://chaos");
    const method = req.method ?? "GET";
    const op = s3Operation(method, url);
    if (!isS3Operation(op)) unclassified.push(op);
    const fault = faults.next(method, url.pathname, op);
    log.push({ op, url: req.url ?? "/", fault: kindOf(fault) });
    if (await applyS3Fault(req, res, fault)) return;
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
  const unwatch = watchServer({ name: "S3 chaos proxy (unclassified S3 request)", take: () => unclassified.splice(0) });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    faults,
    unclassified,
    inject(f) {
      faults.inject(faultOfKind(f.kind, { match: f.op && { op: f.op }, times: f.times, retryAfter: f.retryAfter, delayMs: f.delayMs ?? 300 }));
    },
    randomly(o) {
      faults.randomly({ rate: o.rate, seed: o.seed, kinds: o.kinds, slowMs: o.slowMs ?? 300, retryAfter: "0", match: o.op && { op: o.op } });
    },
    clear() {
      faults.clear();
    },
    injected: () => log.filter((l) => l.fault).length,
    close() {
      unwatch();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

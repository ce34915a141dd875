/**
 * A small S3 front over s3rver for two things it lacks: bucket lifecycle (it answers NotImplemented),
 * kept here per bucket (GET/PUT/DELETE ?lifecycle, as S3 and R2 answer them; PUT needs Content-MD5 or
 * a checksum header, as S3 does), and conditional PUTs (`If-None-Match: *` answers 412 when the key
 * exists, as R2 does). Everything else is proxied to s3rver unchanged.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface S3Extras {
  endpoint: string;
  /** The stored configuration XML per bucket. */
  stored: Map<string, string>;
  /** "PUT"/"GET" lifecycle requests seen. */
  calls: string[];
  /** If-None-Match values of object PUTs seen. */
  ifNoneMatch: string[];
  close(): Promise<void>;
}

export async function startS3Extras(upstream: string): Promise<S3Extras> {
  const stored = new Map<string, string>();
  const calls: string[] = [];
  const ifNoneMatch: string[] = [];
  const up = new URL(upstream);
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    p.on("error", () => res.writeHead(502).end());
    req.pipe(p);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    const bucket = url.pathname.split("/")[1] ?? "";
    if (url.searchParams.has("lifecycle")) {
      calls.push(req.method ?? "");
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const xml = (code: number, body: string) => res.writeHead(code, { "content-type": "application/xml" }).end(body);
        if (req.method === "GET") {
          const got = stored.get(bucket);
          if (!got) return xml(404, "<Error><Code>NoSuchLifecycleConfiguration</Code><Message>The lifecycle configuration does not exist</Message></Error>");
          return xml(200, got);
        }
        if (req.method === "PUT") {
          const hasChecksum = Object.keys(req.headers).some((h) => h === "content-md5" || h.startsWith("x-amz-checksum-"));
          if (!hasChecksum) return xml(400, "<Error><Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message></Error>");
          stored.set(bucket, Buffer.concat(chunks).toString("utf8"));
          return res.writeHead(200).end();
        }
        if (req.method === "DELETE") {
          stored.delete(bucket);
          return res.writeHead(204).end();
        }
        return xml(405, "<Error><Code>MethodNotAllowed</Code></Error>");
      });
      return;
    }
    const condition = req.headers["if-none-match"];
    if (req.method === "PUT" && condition !== undefined) {
      ifNoneMatch.push(String(condition));
      // Ask s3rver whether the key exists; it ignores the header itself.
      const head = http.request({ host: up.hostname, port: up.port, method: "HEAD", path: url.pathname }, (h) => {
        h.resume();
        if (h.statusCode === 200 && condition === "*") {
          req.resume();
          return res.writeHead(412, { "content-type": "application/xml" }).end("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>");
        }
        forward(req, res);
      });
      head.on("error", () => res.writeHead(502).end());
      head.end();
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stored,
    calls,
    ifNoneMatch,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

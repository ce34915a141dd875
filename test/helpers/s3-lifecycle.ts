/**
 * s3rver answers NotImplemented for bucket lifecycle, so this small S3 front keeps each bucket's
 * lifecycle configuration itself (GET/PUT/DELETE ?lifecycle, as S3 and R2 answer them) and
 * proxies everything else to s3rver unchanged. PUT needs Content-MD5 or a checksum header, as S3 does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface S3Lifecycle {
  endpoint: string;
  /** The stored configuration XML per bucket. */
  stored: Map<string, string>;
  /** "PUT"/"GET" lifecycle requests seen. */
  calls: string[];
  close(): Promise<void>;
}

export async function startS3Lifecycle(upstream: string): Promise<S3Lifecycle> {
  const stored = new Map<string, string>();
  const calls: string[] = [];
  const up = new URL(upstream);
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
    const p = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    p.on("error", () => res.writeHead(502).end());
    req.pipe(p);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stored,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The loopback HTTP server behind the fake: node:http on 127.0.0.1:0, each request turned into
 * a Fetch Request and answered by msw's getResponse(handlers, request). Faults are applied here,
 * every request is logged, unmatched ones get a 404 envelope, and JSON answers are validated.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getResponse, type HttpHandler } from "msw";
import { CODES } from "./codes.js";
import { fail } from "./envelope.js";
import type { FaultAction, Faults } from "./faults.js";
import type { OpenApiValidator } from "./validator.js";
import type { FakeRateLimit } from "./ratelimit.js";

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** status served; 0 while in flight or when the connection was dropped */
  status: number;
}

export interface BridgeOptions {
  handlers: HttpHandler[];
  faults: Faults;
  validator: OpenApiValidator | undefined;
  requests: FakeRequest[];
  unmatched: string[];
  schemaErrors: string[];
  /** crashes of the fake itself */
  internalErrors: string[];
  /** the API's rate limit (headers on every answer, 429 past the quota or in lockout mode) */
  rateLimit?: FakeRateLimit;
}

export interface Bridge {
  origin: string;
  close(): Promise<void>;
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const sockets = new Set<Socket>();
  const waits = new Set<() => void>();
  let closing = false;
  let origin = "";

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        waits.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      waits.add(done);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.internalErrors.push(`fake-cloudflare server error on ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      } else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", origin);
    const entry: FakeRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0 };
    opts.requests.push(entry);
    const body = await readBody(req);

    const limit = opts.rateLimit?.admit();
    if (limit && "retryAfterSeconds" in limit) {
      entry.status = 429;
      return send(res, fail(429, { code: CODES.RATE_LIMITED, message: "Please wait and consider throttling your request speed" }, { "retry-after": String(limit.retryAfterSeconds) }));
    }
    const fault = opts.faults.next(method, url.pathname);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (closing) return void res.destroy();
    if (fault?.drop) {
      res.socket?.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      entry.status = fault.status;
      return send(res, faultResponse(fault));
    }

    const request = new Request(url, {
      method,
      headers: toHeaders(req),
      body: method === "GET" || method === "HEAD" || body.length === 0 ? undefined : body,
    });
    let response = await getResponse(opts.handlers, request);
    if (!response) {
      opts.unmatched.push(`${method} ${url.pathname}`);
      response = fail(404, [{ code: CODES.NO_ROUTE, message: "No route for that URI" }]);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (opts.validator) {
      const problem = opts.validator.validate({
        method,
        pathname: url.pathname,
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: bytes.toString("utf8"),
      });
      if (problem) opts.schemaErrors.push(problem);
    }
    if (fault?.dropAfter) {
      res.socket?.destroy();
      return;
    }
    entry.status = response.status;
    const headers = new Headers(response.headers);
    if (limit && "headers" in limit) for (const [k, v] of Object.entries(limit.headers)) headers.set(k, v);
    writeOut(res, response.status, headers, bytes);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    async close() {
      closing = true;
      for (const w of [...waits]) w();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toHeaders(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  writeOut(res, response.status, response.headers, Buffer.from(await response.arrayBuffer()));
}

function writeOut(res: ServerResponse, status: number, headers: Headers, body: Buffer): void {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "transfer-encoding") out[k] = v;
  });
  out["content-length"] = String(body.length);
  res.writeHead(status, out);
  res.end(body);
}

/** The answer for an injected status: the given body, or what Cloudflare sends for that status. */
function faultResponse(f: FaultAction): Response {
  const status = f.status!;
  const headers: Record<string, string> = {};
  if (f.retryAfter !== undefined) headers["retry-after"] = f.retryAfter;
  if (f.body !== undefined) {
    const isText = typeof f.body === "string";
    headers["content-type"] = isText ? "text/plain" : "application/json";
    return new Response(isText ? (f.body as string) : JSON.stringify(f.body), { status, headers });
  }
  if (status === 429) {
    return fail(429, { code: CODES.RATE_LIMITED, message: "Please wait and consider throttling your request speed" }, headers);
  }
  if (status === 502 || status === 503) {
    // Cloudflare's edge answers these with an HTML error page, not a JSON envelope.
    headers["content-type"] = "text/html; charset=UTF-8";
    const title = status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable";
    return new Response(`<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>cloudflare</center></body></html>`, {
      status,
      headers,
    });
  }
  return fail(status, { code: CODES.INTERNAL, message: "Internal server error" }, headers);
}

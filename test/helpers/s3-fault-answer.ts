/**
 * How both S3 fronts (s3-faults.ts, s3-chaos.ts) carry out a fault from the one fault API
 * (faults.ts): wait `delayMs`, then drop the connection or answer the status with an S3 error body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { s3ErrorCode, type FaultAction } from "./faults.js";

const errorXml = (code: string, status: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected ${status}</Message></Error>`;

/** Applies `fault`; true when it answered (or dropped) the request, false when the request goes on. */
export async function applyS3Fault(req: IncomingMessage, res: ServerResponse, fault: FaultAction | undefined): Promise<boolean> {
  if (!fault) return false;
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.drop) {
    req.resume();
    req.socket.destroy();
    return true;
  }
  if (fault.status === undefined) return false;
  // Read the whole request first, so the client sees the answer rather than a reset.
  for await (const _ of req) void _;
  const headers: Record<string, string> = { "content-type": "application/xml" };
  if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
  res.writeHead(fault.status, headers).end(errorXml(fault.code ?? s3ErrorCode(fault.status), fault.status));
  return true;
}

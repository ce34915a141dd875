import type { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { R2ObjectInfo } from "./r2.js";

/** One ListObjectsV2 page, as the listing needs it. */
export interface LeanListPage {
  objects: R2ObjectInfo[];
  prefixes: string[];
  truncated: boolean;
  nextToken: string | undefined;
}

/** What the SDK's own parser is handed instead of the page: an empty result, parsed in microseconds. */
const EMPTY_RESULT = new TextEncoder().encode('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>');

/**
 * Makes one ListObjectsV2 command hand its 2xx body to `parseListPage` instead of the SDK's XML
 * tree, and puts the page in `sink`. Why: the SDK's parser allocates about 13 KB per listed key
 * (an XML node tree, then schema-driven copies), which made a cleanup's heap, and its peak RSS, grow
 * with the bucket; this scanner allocates a few hundred bytes per key. Signing, retries, deadlines
 * and error answers stay the SDK's (the middleware sits innermost and only touches success bodies).
 */
export function parsePagesLean(command: ListObjectsV2Command, sink: { page?: LeanListPage }): ListObjectsV2Command {
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 && response.body) {
        sink.page = parseListPage(await readBody(response.body));
        response.body = EMPTY_RESULT;
      }
      return result;
    },
    { step: "deserialize", priority: "low", name: "kanvasLeanList" },
  );
  return command;
}

async function readBody(body: unknown): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  if (typeof body === "string") return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks).toString("utf8");
}

/** A ListBucketResult (ListObjectsV2), read by scanning for the few elements kanvas uses. */
export function parseListPage(xml: string): LeanListPage {
  const objects: R2ObjectInfo[] = [];
  const prefixes: string[] = [];
  for (const item of elements(xml, "Contents")) {
    const key = element(item, "Key");
    if (key === undefined) continue;
    const modified = element(item, "LastModified");
    objects.push({
      key: decodeXml(key),
      size: Number(element(item, "Size") ?? 0),
      lastModified: modified ? new Date(modified) : new Date(0),
      etag: decodeXml(element(item, "ETag") ?? "").replace(/^"|"$/g, ""),
    });
  }
  for (const item of elements(xml, "CommonPrefixes")) {
    const prefix = element(item, "Prefix");
    if (prefix) prefixes.push(decodeXml(prefix));
  }
  // Keys cannot hold a raw "<", and no element inside Contents has these names: search the whole page.
  const truncated = element(xml, "IsTruncated") === "true";
  const token = element(xml, "NextContinuationToken");
  return { objects, prefixes, truncated, nextToken: token === undefined ? undefined : decodeXml(token) };
}

/** Each `<name>…</name>` element's inner text, in order. */
function* elements(xml: string, name: string): Generator<string> {
  const open = `<${name}>`;
  const close = `</${name}>`;
  for (let at = xml.indexOf(open); at >= 0; ) {
    const end = xml.indexOf(close, at);
    if (end < 0) return;
    yield xml.slice(at + open.length, end);
    at = xml.indexOf(open, end + close.length);
  }
}

/** The text of the first `<name>…</name>` (or `<name/>`: empty) in `xml`, or undefined. */
function element(xml: string, name: string): string | undefined {
  const open = xml.indexOf(`<${name}>`);
  if (open < 0) return xml.includes(`<${name}/>`) ? "" : undefined;
  const start = open + name.length + 2;
  const close = xml.indexOf(`</${name}>`, start);
  return close < 0 ? undefined : xml.slice(start, close);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** XML character references: the five named ones and numeric ones (keys may hold any character). */
export function decodeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref.startsWith("#x") ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : ref.startsWith("#") ? String.fromCodePoint(Number(ref.slice(1))) : NAMED[ref]!,
  );
}

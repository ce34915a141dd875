import { describe, expect, it } from "vitest";
import { decodeXml, parseListPage } from "../src/clients/s3-lean-list.js";

// ListObjectsV2 answers as S3 and R2 write them: kanvas reads the listing pages with its own
// scanner (s3-lean-list.ts), so it must read every key exactly, whatever characters it holds.
const page = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>uploads/</Prefix>${inner}</ListBucketResult>`;
const contents = (key: string, extra = "") => `<Contents><Key>${key}</Key><LastModified>2026-10-01T12:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>2048</Size>${extra}<StorageClass>STANDARD</StorageClass></Contents>`;

describe("ListObjectsV2 pages read by the lean scanner", () => {
  it("reads keys with escaped and numeric character references, sizes, dates and ETags", () => {
    const p = parseListPage(page(`<KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;en/1</NextContinuationToken>${contents("uploads/u1/a&amp;b &lt;c&gt; &quot;q&quot; &apos;s&apos;.jpg")}${contents("uploads/u1/%_ x&#x1F600;&#233;.png", "<Owner><ID>o</ID><DisplayName>d</DisplayName></Owner>")}${contents("uploads/u1/Ünïcødé/😀.jpg")}`));
    expect(p.objects.map((o) => o.key)).toEqual(["uploads/u1/a&b <c> \"q\" 's'.jpg", "uploads/u1/%_ x😀é.png", "uploads/u1/Ünïcødé/😀.jpg"]);
    expect(p.objects[0]).toMatchObject({ size: 2048, etag: "abc" });
    expect(p.objects[0]!.lastModified.toISOString()).toBe("2026-10-01T12:00:00.000Z");
    expect(p).toMatchObject({ truncated: true, nextToken: "tok&en/1", prefixes: [] });
  });

  it("reads common prefixes (not the request's own Prefix) and a last page", () => {
    const p = parseListPage(page(`<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>uploads/u&amp;1/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>uploads/u2/</Prefix></CommonPrefixes>${contents("uploads/loose.jpg")}`));
    expect(p.prefixes).toEqual(["uploads/u&1/", "uploads/u2/"]);
    expect(p.objects.map((o) => o.key)).toEqual(["uploads/loose.jpg"]);
    expect(p).toMatchObject({ truncated: false, nextToken: undefined });
  });

  it("reads an empty listing, and elements written as empty tags", () => {
    expect(parseListPage(page("<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"))).toEqual({ objects: [], prefixes: [], truncated: false, nextToken: undefined });
    const p = parseListPage(page(`<IsTruncated>false</IsTruncated><Contents><Key>k</Key><ETag/><Size>0</Size></Contents>`));
    expect(p.objects).toEqual([{ key: "k", size: 0, etag: "", lastModified: new Date(0) }]);
  });

  it("decodes only references, leaving other ampersand-free text untouched", () => {
    expect(decodeXml("plain/key.jpg")).toBe("plain/key.jpg");
    expect(decodeXml("&amp;lt;")).toBe("&lt;");
    expect(decodeXml("&#65;&#x42;")).toBe("AB");
  });
});

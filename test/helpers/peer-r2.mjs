// The app's side of R2, as its `wrangler dev` sees it: the Miniflare a given wrangler brings, on the
// persist layout wrangler uses (<persist>/v3, bucket id = bucket_name). wrangler's CLI has no way to
// read or write an object's custom metadata, so the cross-version tests use this.
// usage: node peer-r2.mjs <miniflare dir> <state v3 dir> <bucket> head <key>
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, root, bucket, op, key] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
const mod = await import(pathToFileURL(path.join(dir, pkg.main)).href);
const options = {
  modules: true,
  script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
  compatibilityDate: "2026-04-01",
  r2Buckets: { B: bucket },
  handleStructuredLogs: () => {},
};
const mf = new mod.Miniflare(
  mod.convertV4MiniflareOptions ? mod.convertV4MiniflareOptions({ ...options, resourcePersistencePath: root }) : { ...options, defaultPersistRoot: root },
);
try {
  const r2 = await mf.getR2Bucket("B");
  if (op !== "head") throw new Error(`unknown op ${op}`);
  const obj = await r2.get(key);
  const bytes = obj ? new Uint8Array(await obj.arrayBuffer()) : undefined;
  process.stdout.write(
    JSON.stringify(
      obj
        ? { sha256: createHash("sha256").update(bytes).digest("hex"), size: obj.size, customMetadata: obj.customMetadata, contentType: obj.httpMetadata?.contentType }
        : null,
    ),
  );
} finally {
  await mf.dispose();
}

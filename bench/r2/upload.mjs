// Upload benchmark: one file of 1 GiB (and 256 MiB) to s3rver on loopback.
// kanvas images upload --remote (multipart from 100 MiB, 16 MiB parts, 4 in flight) vs aws s3 cp,
// same server, same run; peak RSS of kanvas sampled from /proc (VmHWM).
// Run: npm run build && node bench/r2/upload.mjs
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { ACCOUNT, BUCKET, benchProject, kanvasBin, run, startD1Stub, startS3rver, writeResults } from "./lib.mjs";

const MiB = 1024 * 1024;
const SIZES = (process.env.BENCH_SIZES ?? "256,1024").split(",").map(Number);

async function makeFile(file, mib) {
  // Incompressible-looking bytes without spending CPU on crypto: a rolling pattern per MiB.
  const out = createWriteStream(file);
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) {
    for (let j = 0; j < MiB; j += 4) block.writeUInt32LE((Math.imul(i * MiB + j, 2654435761) ^ (j << 7)) >>> 0, j);
    if (!out.write(block)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

const s3 = await startS3rver();
const d1 = await startD1Stub();
const tmp = mkdtempSync(path.join(os.tmpdir(), "kanvas-bench-upload-"));
const rows = [];
try {
  const dir = benchProject();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    R2_ENDPOINT: s3.endpoint,
    R2_ACCESS_KEY_ID: "S3RVER",
    R2_SECRET_ACCESS_KEY: "S3RVER",
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
  };
  const awsEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_DEFAULT_REGION: "us-east-1" };
  for (const mib of SIZES) {
    const file = path.join(tmp, `${mib}.bin`);
    console.error(`writing ${mib} MiB…`);
    await makeFile(file, mib);
    const k = await run(process.execPath, [kanvasBin, "images", "upload", file, "--key", `bench/kanvas-${mib}.bin`, "--remote", "--json"], { cwd: dir, env });
    const kr = JSON.parse(k.out)[0];
    const a = await run("aws", ["--endpoint-url", s3.endpoint, "s3", "cp", file, `s3://${BUCKET}/bench/aws-${mib}.bin`, "--only-show-errors"], { env: awsEnv });
    rows.push({ mib, k, kr, a });
    console.error(`${mib} MiB: kanvas ${k.seconds.toFixed(1)} s (${kr.parts} parts, peak ${k.peakMb.toFixed(0)} MB), aws ${a.seconds.toFixed(1)} s (peak ${a.peakMb.toFixed(0)} MB)`);
    rmSync(file);
  }
  const mbps = (mib, s) => (mib / s).toFixed(0);
  const md = `## Upload: one file to s3rver on loopback

Measured ${new Date().toISOString().slice(0, 10)} on this machine (2 cores, s3rver writing to the same disk), in one run of \`node bench/r2/upload.mjs\`. kanvas: default settings (multipart from 100 MiB, 16 MiB parts, 4 in flight, each part streamed from its file range). aws cli ${(await run("aws", ["--version"], { env: {PATH: process.env.PATH, HOME: process.env.HOME} })).out.trim().split(" ")[0] || "v1"} defaults (8 MiB parts, 10 threads). Peak RSS is the process's VmHWM.

| file | kanvas time | kanvas MiB/s | kanvas parts | kanvas peak RSS | aws s3 cp time | aws MiB/s | aws peak RSS | kanvas / aws throughput |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.map((r) => `| ${r.mib} MiB | ${r.k.seconds.toFixed(1)} s | ${mbps(r.mib, r.k.seconds)} | ${r.kr.parts} | ${r.k.peakMb.toFixed(0)} MB | ${r.a.seconds.toFixed(1)} s | ${mbps(r.mib, r.a.seconds)} | ${r.a.peakMb.toFixed(0)} MB | ${(r.a.seconds / r.k.seconds).toFixed(2)}× |`).join("\n")}

Peak RSS target: ≤ 250 MB and flat between 256 MiB and 1 GiB.`;
  console.log(md);
  console.error(`written to ${writeResults("upload", md)}`);
} finally {
  d1.close();
  s3.close();
  rmSync(tmp, { recursive: true, force: true });
}

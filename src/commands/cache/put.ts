import path from "node:path";
import { readBulkFile } from "../../domain/cache/bulk-file.js";
import { checkKey, parseExpiration, parseMetadata, parseTtl } from "../../domain/cache/limits.js";
import { describeExpiry } from "../../domain/cache/render.js";
import { readValue } from "../../domain/cache/value-source.js";
import type { Context } from "../../context.js";
import { ExitCode } from "../../core/errors.js";
import { defineCommand, type CommandResult } from "../define.js";
import { parsed, text } from "../spec/flag.js";
import { target } from "../spec/shared.js";

export default defineCommand({
  description: "write a value (or many with --bulk)",
  examples: [
    "kanvas cache put rooms:registry --file registry.json --ttl 300",
    "kanvas cache put feature:x on --ttl 5m --metadata '{\"by\":\"ops\"}'",
    "echo -n hello | kanvas cache put greeting",
    "kanvas cache put --bulk pairs.json --remote",
  ],
  notes:
    'Checked before sending: key ≤ 512 bytes (UTF-8) and not "." or "..", value ≤ 25 MiB, metadata ≤ 1024 bytes of JSON, TTL ≥ 60 s, expiration ≥ 60 s ahead.\n' +
    '--bulk takes a JSON array of {"key","value","ttl"?,"expiration"?,"metadata"?,"base64"?} (wrangler\'s "expiration_ttl" works too); every item is checked first and\n' +
    "nothing is written if one is bad. Remote: bulk requests of ≤ 10,000 pairs and 100 MB, 4 in flight; keys the API reports unsuccessful are retried, then listed (exit 1).\n" +
    "KV is eventually consistent: other locations may see the old value for up to ~60 s.",
  args: {
    key: text("the key to write"),
    value: text("the value (else --file, else stdin)"),
  },
  flags: {
    file: text("read the value from a file (bytes as they are)", { placeholder: "<path>" }),
    ttl: parsed("expire after this long: seconds (300) or 90s, 5m, 12h, 30d (at least 60 s)", { placeholder: "<duration>", parse: parseTtl }),
    expiration: text("expire at this time: unix seconds or ISO 8601 (at least 60 s ahead)", { placeholder: "<time>" }),
    metadata: parsed("JSON metadata stored with the key (≤ 1024 bytes)", { placeholder: "<json>", parse: parseMetadata }),
    bulk: text("write many pairs from a JSON file", { placeholder: "<file>" }),
    ...target,
  },
  access: "write",
  check(v, fail) {
    if (v.bulk !== undefined) {
      const extra = (["key", "value", "file", "ttl", "expiration", "metadata"] as const).filter((k) => v[k] !== undefined);
      if (extra.length) fail("bulk", `takes every key, value and option from the file; drop ${dropList(extra)}`);
    } else if (v.key === undefined) {
      fail("key", "missing: kanvas cache put <key> [value] (or --bulk <file>)");
    }
    if (v.ttl !== undefined && v.expiration !== undefined) fail("ttl", "cannot be combined with --expiration (both set an expiry); give one");
  },
  async run(input, ctx) {
    if (input.bulk !== undefined) return putBulk(input.bulk, ctx);
    const key = checkKey(input.key!);
    const expirationTtl = input.ttl;
    const expiration = input.expiration !== undefined ? parseExpiration(input.expiration, ctx.now()) : undefined;
    const metadata = input.metadata;
    const value = await readValue({ value: input.value, file: input.file && path.resolve(ctx.io.cwd, input.file), label: input.file, stdin: ctx.io.stdin });
    const kv = await ctx.kv();
    await kv.put(key, value, { expirationTtl, expiration, metadata });
    const expiresAt = expiration ?? (expirationTtl !== undefined ? Math.floor(ctx.now() / 1000) + expirationTtl : undefined);
    return {
      data: { key, bytes: value.length, expiration: expiresAt ?? null, metadata: metadata ?? null },
      human: () => ctx.out.success(`wrote ${JSON.stringify(key)} (${value.length} bytes, expires ${describeExpiry(expiresAt, ctx.now())})`),
    };
  },
});

async function putBulk(file: string, ctx: Context): Promise<CommandResult> {
  const pairs = await readBulkFile(path.resolve(ctx.io.cwd, file), ctx.now(), `--bulk ${file}`);
  const kv = await ctx.kv();
  const progress = ctx.out.showProgress;
  const result = await kv.putMany(pairs, progress ? (done) => ctx.out.drawLive(`${done}/${pairs.length} pairs written`) : undefined);
  ctx.out.clearLive();
  const failed = result.failed.length;
  return {
    data: { written: result.done, failed: result.failed, requests: result.requests },
    human: () => {
      for (const key of result.failed) ctx.out.println(key);
      ctx.out.success(`wrote ${result.done} of ${pairs.length} pairs in ${result.requests} request(s)`);
    },
    // The failed keys are in the result on stdout; one line on stderr and a non-zero exit.
    errors: failed ? [`${failed} key(s) were still reported unsuccessful by KV after retries (listed on stdout); re-run with a file of just those pairs.`] : [],
    exitCode: failed ? ExitCode.unexpected : ExitCode.ok,
  };
}

/** ["key", "value", "ttl"] → "the <key> and [value] arguments and --ttl". */
function dropList(names: string[]): string {
  const args = names.filter((k) => k === "key" || k === "value").map((k) => (k === "key" ? "<key>" : "[value]"));
  const flags = names.filter((k) => k !== "key" && k !== "value").map((k) => `--${k}`);
  const parts = [...(args.length ? [`the ${args.join(" and ")} argument${args.length > 1 ? "s" : ""}`] : []), ...flags];
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0]!;
}

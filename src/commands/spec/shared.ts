import { bool, folder, global, text, writablePath } from "./flag.js";

/**
 * Flags shared by many commands, defined once and spread into a command's `flags`
 * (`flags: { ...r2Target, ...yes, ...dryRun, prefix: text(…) }`): one spelling, one
 * description, one default everywhere.
 */

/** Every leaf takes these; the runner reads them (output mode, config, metrics), never `run`. */
export const common = {
  config: global(text("wrangler.toml / wrangler.json(c) to read (default: found from the current folder upward)", { short: "-c", placeholder: "<path>" })),
  env: global(text("use the [env.<name>] section of the config", { short: "-e", placeholder: "<name>" })),
  json: global(bool('print the result as JSON on stdout (errors as {"error":{code,message}})')),
  quiet: global(bool("no Target: line, progress or status lines on stderr (errors and warnings still print); for cron jobs and CI logs")),
  verbose: global(bool("print stack traces, an HTTP trace (secrets redacted) and a call summary")),
  metricsFile: global(writablePath("append one NDJSON line per Cloudflare call to this file")),
  timeout: global(
    text("give up on a request attempt with no answer (S3: no bytes moved) after this long, then retry if safe (default 30s; env KANVAS_TIMEOUT)", { placeholder: "<duration>" }),
  ),
};

const persistTo = global(folder("local state folder, as wrangler's --persist-to (default: .wrangler/state beside the config)"));

/** D1 and KV commands: local Miniflare state by default, or --remote. */
export const target = {
  local: global(bool("use the local Miniflare state in .wrangler/state/v3, shared with wrangler --local (default)")),
  remote: global(bool("use your Cloudflare account (needs CLOUDFLARE_API_TOKEN)")),
  persistTo,
};

/** R2 commands: remote means R2's S3 API, which needs R2 keys rather than the API token. */
export const r2Target = {
  local: global(bool("use the local Miniflare bucket in .wrangler/state/v3, shared with wrangler --local (default)")),
  remote: global(bool("use R2 through its S3 API (needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY; R2_ENDPOINT for another S3 server)")),
  persistTo,
};

/** Commands that exist only on Cloudflare: --remote is required, --local is refused in one line. */
export const remoteOnly = {
  remote: global(bool("required: this command works on your Cloudflare account only (needs CLOUDFLARE_API_TOKEN)")),
  local: global(bool("not available: the local Miniflare state has no such feature (refused)")),
};

export const r2RemoteOnly = {
  remote: global(bool("required: R2's S3 API only (needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY; R2_ENDPOINT for another S3 server)")),
  local: global(bool("not available: the local Miniflare bucket has no S3 endpoint (refused)")),
};

export const yes = { yes: bool("answer yes to confirmations (needed where no one can answer: no TTY, or CI)", { short: "-y" }) };
export const dryRun = { dryRun: bool("show what would change and change nothing") };

/** Fragments that pick a target: a command with --remote has one. */
export const TARGET_FRAGMENTS = { target, r2Target, remoteOnly, r2RemoteOnly };

import type { OptionSpec, SharedFragment } from "./define.js";

/** Flags every leaf command takes, spelled the same everywhere. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { flags: "-c, --config <path>", description: "wrangler.toml / wrangler.json(c) to read (default: found from the current folder upward)" },
  { flags: "-e, --env <name>", description: "use the [env.<name>] section of the config" },
  { flags: "--json", description: "print the result as JSON on stdout (errors as {\"error\":{code,message}})" },
  { flags: "--quiet", description: "no Target: line, progress or status lines on stderr (errors and warnings still print); for cron jobs and CI logs" },
  { flags: "--verbose", description: "print stack traces, an HTTP trace (secrets redacted) and a call summary" },
  { flags: "--metrics-file <path>", description: "append one NDJSON line per Cloudflare call to this file" },
  { flags: "--timeout <duration>", description: "give up on a request attempt with no answer (S3: no bytes moved) after this long, then retry if safe (default 30s; env KANVAS_TIMEOUT)" },
];

export const FRAGMENTS: Record<SharedFragment, OptionSpec[]> = {
  target: [
    { flags: "--local", description: "use the local Miniflare state in .wrangler/state/v3, shared with wrangler --local (default)" },
    { flags: "--remote", description: "use your Cloudflare account (needs CLOUDFLARE_API_TOKEN)" },
    { flags: "--persist-to <dir>", description: "local state folder, as wrangler's --persist-to (default: .wrangler/state beside the config)" },
  ],
  // R2 commands: remote means R2's S3 API, which needs R2 keys rather than the API token.
  r2Target: [
    { flags: "--local", description: "use the local Miniflare bucket in .wrangler/state/v3, shared with wrangler --local (default)" },
    { flags: "--remote", description: "use R2 through its S3 API (needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY; R2_ENDPOINT for another S3 server)" },
    { flags: "--persist-to <dir>", description: "local state folder, as wrangler's --persist-to (default: .wrangler/state beside the config)" },
  ],
  // Commands that exist only on Cloudflare: --remote is required, --local is refused in one line.
  remoteOnly: [
    { flags: "--remote", description: "required: this command works on your Cloudflare account only (needs CLOUDFLARE_API_TOKEN)" },
    { flags: "--local", description: "not available: the local Miniflare state has no such feature (refused)" },
  ],
  r2RemoteOnly: [
    { flags: "--remote", description: "required: R2's S3 API only (needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY; R2_ENDPOINT for another S3 server)" },
    { flags: "--local", description: "not available: the local Miniflare bucket has no S3 endpoint (refused)" },
  ],
  yes: [{ flags: "-y, --yes", description: "answer yes to confirmations (needed where no one can answer: no TTY, or CI)" }],
  dryRun: [{ flags: "--dry-run", description: "show what would change and change nothing" }],
};

/** Fragments that pick a target (local or remote). */
export const TARGET_FRAGMENTS: SharedFragment[] = ["target", "r2Target", "remoteOnly", "r2RemoteOnly"];

/** Keys of shared options, stripped before a command's own schema sees its input. */
export const GLOBAL_KEYS = ["config", "env", "json", "quiet", "verbose", "metricsFile", "local", "remote", "persistTo", "timeout"] as const;

// The parsed global flags: a core type, since the context (below commands) reads them.
export type { GlobalOptions } from "../global-options.js";

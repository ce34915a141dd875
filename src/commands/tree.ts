import type { CommandDefinition } from "./define.js";

/**
 * The command tree. Only descriptions live here (each a copy of its leaf's own, which
 * test/command-contract.test.ts checks); a command's module (its flags and code) is
 * imported only when argv reaches it, so `kanvas --help` loads no command and no SDK.
 */
export interface CommandNode {
  description: string;
  load?: () => Promise<{ default: CommandDefinition }>;
  children?: Record<string, CommandNode>;
}

export const commandTree: Record<string, CommandNode> = {
  db: {
    description: "D1 database: apply migrations, run SQL, restore",
    children: {
      migrate: {
        description: "apply pending migrations (checksums, lock, Time Travel bookmark)",
        load: () => import("./db/migrate.js"),
        children: {
          status: { description: "list every migration as applied, pending, drifted or missing", load: () => import("./db/migrate-status.js") },
          create: { description: "write the next numbered, empty migration file", load: () => import("./db/migrate-create.js") },
        },
      },
      query: { description: "run SQL and print the rows", load: () => import("./db/query.js") },
      restore: { description: "restore the remote database to a Time Travel bookmark or a point in time (remote only)", load: () => import("./db/restore.js") },
      export: { description: "write the database as a SQL dump (local: Miniflare's D1; remote: D1's export API)", load: () => import("./db/export.js") },
      "time-travel": {
        description: "Time Travel bookmarks (remote only)",
        children: {
          info: { description: "print the Time Travel bookmark for now, or the nearest at or before --timestamp (remote only)", load: () => import("./db/time-travel-info.js") },
        },
      },
    },
  },
  images: {
    description: "R2 bucket: upload, sign, list and clean up images",
    children: {
      upload: { description: "upload files or folders to the R2 bucket (multipart for large files)", load: () => import("./images/upload.js") },
      sign: { description: "print presigned URLs for objects (remote: needs an S3 endpoint)", load: () => import("./images/sign.js") },
      cleanup: { description: "delete objects older than a duration, keeping those D1 still references", load: () => import("./images/cleanup.js") },
      list: { description: "list objects with size and age", load: () => import("./images/list.js") },
      get: { description: "download one object to a file or stdout (streamed, binary-safe)", load: () => import("./images/get.js") },
      head: { description: "print one object's size, type, etag, headers and metadata, and whether D1 references it", load: () => import("./images/head.js") },
      delete: { description: "delete objects by key, refusing ones a D1 assets row references", load: () => import("./images/delete.js") },
      lifecycle: {
        description: "read, replace or add the bucket's lifecycle rules (remote only)",
        children: {
          get: { description: "print the bucket's lifecycle rules (remote only: R2's S3 API)", load: () => import("./images/lifecycle-get.js") },
          set: { description: "replace the bucket's lifecycle rules from a JSON file (remote only: R2's S3 API)", load: () => import("./images/lifecycle-set.js") },
          add: { description: "add (or replace, by ID) one lifecycle rule for a prefix (remote only: R2's S3 API)", load: () => import("./images/lifecycle-add.js") },
        },
      },
      cors: {
        description: "read or set the bucket's CORS rules",
        children: {
          get: { description: "print the bucket's CORS rules (remote: S3 API)", load: () => import("./images/cors-get.js") },
          set: { description: "replace the bucket's CORS rules from a JSON file (remote: S3 API)", load: () => import("./images/cors-set.js") },
        },
      },
    },
  },
  cache: {
    description: "KV namespace: values with TTL and metadata, rate-limit counters",
    children: {
      get: { description: "print a key's value", load: () => import("./cache/get.js") },
      put: { description: "write a value (or many with --bulk)", load: () => import("./cache/put.js") },
      list: { description: "list keys", load: () => import("./cache/list.js") },
      delete: { description: "delete keys", load: () => import("./cache/delete.js") },
      ratelimit: {
        description: "inspect and manage the app's rate-limit counters",
        children: {
          status: { description: "a user's counts, limits and reset times", load: () => import("./cache/ratelimit-status.js") },
          hit: { description: "count one action the way the app does; exit 6 when over the limit", load: () => import("./cache/ratelimit-hit.js") },
          reset: { description: "delete a user's counters", load: () => import("./cache/ratelimit-reset.js") },
          top: { description: "the users with the highest counts in the current window", load: () => import("./cache/ratelimit-top.js") },
        },
      },
    },
  },
  flags: {
    description: "feature flags in KV: rollouts, allow/deny lists, evaluation",
    children: {
      list: { description: "list the feature flags: state, rollout, allow/deny counts, last change", load: () => import("./flags/list.js") },
      get: { description: "print one flag", load: () => import("./flags/get.js") },
      enable: { description: "turn a flag on (for its rollout share of users)", load: () => import("./flags/enable.js") },
      disable: { description: "turn a flag off (allowed users still get it)", load: () => import("./flags/disable.js") },
      rollout: { description: "set the share of users (0-100 %) an enabled flag is on for", load: () => import("./flags/rollout.js") },
      allow: { description: "turn a flag on for these users whatever its state and rollout (--remove to take them off)", load: () => import("./flags/allow.js") },
      deny: { description: "keep a flag off for these users, whatever else says (--remove to take them off)", load: () => import("./flags/deny.js") },
      delete: { description: "delete a flag (the app then sees it as missing: off)", load: () => import("./flags/delete.js") },
      set: { description: "replace the whole flags document from a JSON file (validated first)", load: () => import("./flags/set.js") },
      export: { description: "print the whole flags document (the input of 'flags set --file')", load: () => import("./flags/export.js") },
      eval: { description: "say whether a flag is on for a user, and why", load: () => import("./flags/eval.js") },
    },
  },
  config: {
    description: "show the resolved configuration",
    children: {
      show: { description: "print the resolved config (file, env, target), secrets redacted", load: () => import("./config/show.js") },
    },
  },
  doctor: { description: "check that kanvas can reach everything it needs", load: () => import("./doctor.js") },
};

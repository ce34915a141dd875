import path from "node:path";
import type { Config } from "../../core/config/types.js";
import { defineCommand } from "../define.js";
import { target } from "../spec/shared.js";

const REDACTED = "[redacted]";

export default defineCommand({
  description: "print the resolved config (file, env, target), secrets redacted",
  examples: ["kanvas config show", "kanvas config show --env production --remote --json"],
  flags: target,
  access: "none",
  async run(_input, ctx) {
    const config = await ctx.config();
    const v = describeConfig(config);
    const human = () => {
      const rel = (p: string) => path.relative(ctx.io.cwd, p) || ".";
      ctx.out.println(`config       ${rel(v.configPath)}${v.env ? ` [env.${v.env}]` : ""}`);
      ctx.out.println(`target       ${ctx.target}${ctx.target === "local" ? ` (Miniflare state in ${rel(v.localState)})` : ""}`);
      ctx.out.println(`account      ${v.accountId ?? "(not set)"}`);
      ctx.out.println(
        `D1           ${v.d1 ? `${v.d1.binding} → ${v.d1.databaseName ?? "(no database_name)"} id=${v.d1.databaseId ?? "(none)"}, migrations ${rel(v.d1.migrationsDir)} (table ${v.d1.migrationsTable}), local id ${v.d1.localId}` : "(no KANVAS_DB binding)"}`,
      );
      ctx.out.println(`R2           ${v.r2 ? `${v.r2.binding} → ${v.r2.bucketName ?? "(no bucket_name)"}, local ${v.r2.localId}` : "(no KANVAS_IMAGES binding)"}`);
      ctx.out.println(`KV           ${v.kv ? `${v.kv.binding} → id=${v.kv.id ?? "(none)"}, local ${v.kv.localId}` : "(no KANVAS_CACHE binding)"}`);
      ctx.out.println(`vars         ${Object.keys(v.vars).join(", ") || "(none)"}`);
      for (const [name, value] of Object.entries(v.credentials)) ctx.out.println(`${name.padEnd(21)}${value}`);
      ctx.out.println(`API          ${v.endpoints.api}`);
      ctx.out.println(`R2 endpoint  ${v.endpoints.r2 ?? "(needs account_id)"}`);
      if (v.dotenv) ctx.out.println(`.env         ${rel(v.dotenv)}`);
    };
    return { data: v, human };
  },
});

function describeConfig(config: Config) {
  const secret = (value: string | undefined) => (value ? REDACTED : "(not set)");
  return {
    configPath: config.configPath,
    env: config.envName ?? null,
    localState: path.join(config.persistTo, "v3"),
    accountId: config.accountId ?? null,
    d1: config.d1 ?? null,
    r2: config.r2 ?? null,
    kv: config.kv ?? null,
    vars: config.vars,
    credentials: {
      CLOUDFLARE_API_TOKEN: secret(config.credentials.apiToken),
      R2_ACCESS_KEY_ID: secret(config.credentials.r2AccessKeyId),
      R2_SECRET_ACCESS_KEY: secret(config.credentials.r2SecretAccessKey),
    },
    endpoints: {
      api: config.endpoints.apiBaseUrl ?? "https://api.cloudflare.com/client/v4",
      r2: config.endpoints.r2Endpoint ?? (config.accountId ? `https://${config.accountId}.r2.cloudflarestorage.com` : null),
    },
    dotenv: config.dotenvPath ?? null,
  };
}

import path from "node:path";
import { ConfigError } from "../errors.js";
import { BINDINGS, type Config, type D1Config, type KvConfig, type R2Config } from "./types.js";

/** Each command needs only its own binding; a missing one is named with the lines to add. */
export function requireD1(config: Config): D1Config {
  if (config.d1) return config.d1;
  throw missing(config, "[[d1_databases]]", `binding = "${BINDINGS.d1}"`, `database_name = "kanvas-db"`);
}

export function requireR2(config: Config): R2Config {
  if (config.r2) return config.r2;
  throw missing(config, "[[r2_buckets]]", `binding = "${BINDINGS.r2}"`, `bucket_name = "kanvas-images"`);
}

export function requireKv(config: Config): KvConfig {
  if (config.kv) return config.kv;
  throw missing(config, "[[kv_namespaces]]", `binding = "${BINDINGS.kv}"`, `id = "<namespace id>"`);
}

function missing(config: Config, table: string, ...lines: string[]): ConfigError {
  const where = config.envName ? `${path.basename(config.configPath)} [env.${config.envName}] (bindings are not inherited from the top level)` : path.basename(config.configPath);
  const tableName = config.envName ? table.replace("[[", `[[env.${config.envName}.`) : table;
  return new ConfigError(`${where}: no ${table} entry with ${lines[0]}. Add a ${tableName} table with ${lines.join(" and ")}.`, "config_binding_missing");
}

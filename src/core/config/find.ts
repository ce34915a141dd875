import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.js";

/** wrangler's own order of preference when several exist in one folder. */
export const CONFIG_FILE_NAMES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

/** The config file: `--config PATH`, else the first wrangler.{json,jsonc,toml} from `cwd` upward. */
export function findConfigFile(cwd: string, explicit?: string): string {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new ConfigError(`--config ${explicit}: no such file. Pass the path of your wrangler.toml or wrangler.jsonc.`, "config_missing");
    }
    if (statSync(file).isDirectory()) {
      throw new ConfigError(`--config ${explicit}: is a folder. Pass the config file itself, e.g. --config ${path.join(explicit, "wrangler.toml")}.`, "config_missing");
    }
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new ConfigError(
    `No wrangler.toml, wrangler.json or wrangler.jsonc found in ${cwd} or any folder above it. Run kanvas in your app's folder, or pass --config PATH.`,
    "config_missing",
  );
}

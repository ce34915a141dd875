import type { D1Config } from "../core/config/types.js";
import { ConfigError, NotFoundError } from "../core/errors.js";
import type { Monitor } from "../core/monitor.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";

const PER_PAGE = 100;

/**
 * The remote database id: `database_id` from the config, else the database whose name is exactly
 * `database_name` (the list API's `name` filter matches substrings, so the exact match is ours).
 */
export async function resolveDatabaseId(d1: D1Config, api: ApiAccess, monitor: Monitor, source: string): Promise<string> {
  if (d1.databaseId) return d1.databaseId;
  const name = d1.databaseName;
  if (!name) {
    throw new ConfigError(
      `--remote needs the D1 database: add database_id = "<uuid>" (or database_name) to the [[d1_databases]] entry with binding = "${d1.binding}" in ${source}.`,
      "config_d1_id_missing",
    );
  }
  const found = await monitor.call(
    "d1",
    "database.list",
    async () => {
      try {
        // Pages by hand: the SDK's iterator asks for one more (empty) page after a short one.
        const matches: string[] = [];
        for (let page = 1; ; page++) {
          const items = (await api.sdk.d1.database.list({ account_id: api.accountId, name, per_page: PER_PAGE, page })).getPaginatedItems();
          for (const db of items) if (db.name === name && db.uuid) matches.push(db.uuid);
          if (items.length < PER_PAGE) return matches;
        }
      } catch (error) {
        throw mapApiError("d1", error, `looking up D1 database "${name}"`);
      }
    },
    { idempotent: true, retryAfterMs: apiRetryAfter },
  );
  if (found.length === 0) {
    throw new NotFoundError(
      `No D1 database named "${name}" in account ${api.accountId}. Create it with 'wrangler d1 create ${name}', or set database_id in ${source}.`,
      "d1_database_not_found",
    );
  }
  return found[0]!;
}

import { listAll, type KvClient } from "../../clients/kv.js";
import { counterValue, parseCounterKey, RATE_LIMIT_PREFIX, type CounterKey } from "./ratelimit.js";

export interface Counter extends CounterKey {
  key: string;
  count: number;
}

/**
 * The counters under `rate_limit:<userId>:` (or every user's), filtered by hour and action, with
 * their counts: one listing (cursor pages) and bulk reads of the values.
 */
export async function findCounters(
  kv: KvClient,
  filter: { userId?: string; action?: string; hour?: number },
  signal?: AbortSignal,
  onPage?: (keys: number) => void,
): Promise<Counter[]> {
  const prefix = filter.userId === undefined ? RATE_LIMIT_PREFIX : `${RATE_LIMIT_PREFIX}${filter.userId}:`;
  const keys = (await listAll(kv, { prefix, signal, onPage })).flatMap((k) => {
    const parsed = parseCounterKey(k.name);
    // A prefix for user "a" also matches user "a:b"; keep exact matches only.
    if (!parsed) return [];
    if (filter.userId !== undefined && parsed.userId !== filter.userId) return [];
    if (filter.action !== undefined && parsed.action !== filter.action) return [];
    if (filter.hour !== undefined && parsed.hour !== filter.hour) return [];
    return [{ key: k.name, ...parsed }];
  });
  if (!keys.length) return [];
  const values = await kv.getTexts(keys.map((k) => k.key));
  return keys.map((k) => ({ ...k, count: counterValue(values.get(k.key)) }));
}

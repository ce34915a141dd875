import { NotBuiltError } from "../errors.js";
import type { ClientDeps } from "../context.js";
import type { ApiAccess } from "./cloudflare-api.js";
import type { KvClient } from "./kv.js";

export function createRemoteKv(_deps: ClientDeps & { api: ApiAccess }): KvClient {
  throw new NotBuiltError("cache --remote");
}

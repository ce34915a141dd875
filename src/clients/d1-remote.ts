import { NotBuiltError } from "../errors.js";
import type { ClientDeps } from "../context.js";
import type { ApiAccess } from "./cloudflare-api.js";
import type { D1Client } from "./d1.js";

export function createRemoteD1(_deps: ClientDeps & { api: ApiAccess }): D1Client {
  throw new NotBuiltError("db --remote");
}

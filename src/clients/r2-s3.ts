import { NotBuiltError } from "../errors.js";
import type { ClientDeps } from "../context.js";
import type { R2Client } from "./r2.js";

export function createS3R2(_deps: ClientDeps & { fetch?: typeof fetch }): R2Client {
  throw new NotBuiltError("images --remote");
}

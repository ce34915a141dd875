// The parsed global flags: a core type, since the context (below commands) reads them.
export type { GlobalOptions } from "../core/global-options.js";

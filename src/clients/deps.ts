import type { Config } from "../core/config/types.js";
import type { Monitor } from "../core/monitor.js";
import type { Output } from "../core/output.js";

/** What every client adapter gets. Clients never print; they report through `monitor`. */
export interface ClientDeps {
  config: Config;
  monitor: Monitor;
  out: Output;
  signal: AbortSignal;
  now: () => number;
  /** Per-attempt deadline of every remote request (--timeout, KANVAS_TIMEOUT). */
  timeoutMs: number;
}

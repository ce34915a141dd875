/** The global flags as parsed, read by the context that every command gets. */
export interface GlobalOptions {
  config?: string;
  env?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  metricsFile?: string;
  timeout?: string;
  local?: boolean;
  remote?: boolean;
  persistTo?: string;
}

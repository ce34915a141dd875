/**
 * The values of the flags every command takes (spec/shared.ts declares them once), as the runner and
 * the context read them. Not part of any command's parsed input.
 */
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

/** Stable exit codes (documented in the README; never renumber). */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  conflict: 5,
  rateLimited: 6,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message tells the user what to do next, and no stack is shown. */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Machine-readable code for the --json error envelope. */
  readonly code: string;
  /** Machine-readable facts for the --json envelope's `details`, so scripts need not parse the message. */
  details?: Record<string, unknown>;
  constructor(message: string, opts: { code?: string; exitCode?: ExitCodeValue; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    if (opts.details) this.details = opts.details;
    this.code = opts.code ?? "usage";
    this.exitCode = opts.exitCode ?? ExitCode.usage;
  }
}

export class UsageError extends UserError {
  constructor(message: string, code = "usage") {
    super(message, { code, exitCode: ExitCode.usage });
  }
}

export class ConfigError extends UserError {
  constructor(message: string, code = "config_invalid") {
    super(message, { code, exitCode: ExitCode.usage });
  }
}

export class AuthError extends UserError {
  constructor(message: string) {
    super(message, { code: "auth", exitCode: ExitCode.auth });
  }
}

export class NotFoundError extends UserError {
  constructor(message: string, code = "not_found") {
    super(message, { code, exitCode: ExitCode.notFound });
  }
}

export class ConflictError extends UserError {
  constructor(message: string, code = "conflict") {
    super(message, { code, exitCode: ExitCode.conflict });
  }
}

export class LimitError extends UserError {
  constructor(message: string, code = "rate_limited", details?: Record<string, unknown>) {
    super(message, { code, exitCode: ExitCode.rateLimited, details });
  }
}

export class InterruptedError extends UserError {
  constructor(message = "Interrupted.", code = "interrupted") {
    super(message, { code, exitCode: ExitCode.interrupted });
  }
}

/**
 * The user answered no at a confirmation (or pressed Ctrl-C / Escape there): not an error, so it is
 * printed as a plain line, not a red "error:"; still exit 130 so scripts see that nothing ran.
 */
export class CancelledError extends InterruptedError {
  constructor(message = "Cancelled; nothing was changed.") {
    super(message, "cancelled");
  }
}

/** "api" is for account-level calls (token verification) that belong to no one service. */
export type Service = "d1" | "r2" | "kv" | "api";

/** A failure reported by Cloudflare (REST API or R2's S3 endpoint), mapped at the client boundary. */
export class CloudflareServiceError extends UserError {
  readonly service: Service;
  readonly status: number | undefined;
  /** Cloudflare's own error code (e.g. 7404, 10009) or the S3 error code (e.g. "NoSuchKey"). */
  readonly cfCode: number | string | undefined;
  /** True when the request may or may not have taken effect (dropped connection, timeout). */
  readonly outcomeUnknown: boolean;
  constructor(
    message: string,
    opts: { service: Service; status?: number; cfCode?: number | string; outcomeUnknown?: boolean; cause?: unknown },
  ) {
    super(message, { code: codeForStatus(opts.status), exitCode: exitForStatus(opts.status), cause: opts.cause });
    this.service = opts.service;
    this.status = opts.status;
    this.cfCode = opts.cfCode;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
  }
}

function exitForStatus(status: number | undefined): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 404) return ExitCode.notFound;
  if (status === 409 || status === 412) return ExitCode.conflict;
  if (status === 429) return ExitCode.rateLimited;
  return ExitCode.unexpected;
}

function codeForStatus(status: number | undefined): string {
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status === 409 || status === 412) return "conflict";
  if (status === 429) return "rate_limited";
  if (status === undefined) return "network";
  return "service_error";
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof UserError ? error.exitCode : ExitCode.unexpected;
}

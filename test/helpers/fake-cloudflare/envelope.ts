/** Cloudflare's v4 JSON envelope: { success, errors, messages, result, result_info? }. */

export interface CfError {
  code: number;
  message: string;
}

const JSON_HEADERS = { "content-type": "application/json; charset=UTF-8" };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function ok(result: unknown, extra: { result_info?: unknown; status?: number } = {}): Response {
  const body: Record<string, unknown> = { success: true, errors: [], messages: [], result };
  if (extra.result_info !== undefined) body.result_info = extra.result_info;
  return json(extra.status ?? 200, body);
}

export function fail(status: number, errors: CfError | CfError[], headers: Record<string, string> = {}): Response {
  const list = Array.isArray(errors) ? errors : [errors];
  return json(status, { success: false, errors: list, messages: [], result: null }, headers);
}

/** Thrown inside handlers to short-circuit with an error envelope. */
export class CfHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfError[],
  ) {
    super(errors.map((e) => `${e.message} [code: ${e.code}]`).join("; "));
  }
  toResponse(): Response {
    return fail(this.status, this.errors);
  }
}

export function cfError(status: number, code: number, message: string): CfHttpError {
  return new CfHttpError(status, [{ code, message }]);
}

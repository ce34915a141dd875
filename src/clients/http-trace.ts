import type { Output } from "../core/output.js";

/** A fetch that, with --verbose, prints each request's method, path, status and time (secrets redacted by Output). */
export function tracedFetch(out: Output, base: typeof fetch = fetch): typeof fetch {
  if (!out.verbose) return base;
  return async (input, init) => {
    const started = performance.now();
    const request = new Request(input as Parameters<typeof fetch>[0], init);
    const url = new URL(request.url);
    const label = `${request.method} ${url.pathname}${url.search}`;
    try {
      const response = await base(input, init);
      out.debug(`http: ${label} → ${response.status} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (error) {
      out.debug(`http: ${label} → failed: ${(error as Error).message} (${Math.round(performance.now() - started)} ms)`);
      throw error;
    }
  };
}

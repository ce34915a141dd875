/**
 * A loaded workerd may drop a keep-alive connection from Node (seen on Node 24 at load 7, on R2 lists,
 * deletes and part uploads); kanvas then retries the call with one stderr line. Tests that assert the
 * whole of stderr on the local target allow exactly those lines and nothing else.
 */
const LOCAL_RETRY = /^retrying (R2|D1|KV) [A-Za-z]+ \(\d+\/\d+\) after a failed connection…$/;

export function withoutLocalRetries(lines: string[]): string[] {
  return lines.filter((l) => !LOCAL_RETRY.test(l));
}

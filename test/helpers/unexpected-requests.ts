/**
 * Every loopback server a test starts (the fake Cloudflare API, s3rver, the S3 fault fronts)
 * registers here what it could not place: a fake API request no handler matched, an S3 request
 * no classifier knows, an operation s3rver does not implement. test/helpers/setup-each.ts
 * (vitest setupFiles) fails the test after which any such request is left over.
 * A test that provokes one on purpose takes it out of the server's list before it ends.
 */

export interface WatchedServer {
  /** e.g. "fake Cloudflare API", "s3rver" */
  name: string;
  /** the unexpected requests seen so far, emptied by the caller */
  take(): string[];
}

const live = new Set<WatchedServer>();
/** what servers closed during a test left behind, reported after that test */
const leftByClosed: string[] = [];

/** Registers a server; call the returned function when it closes. */
export function watchServer(server: WatchedServer): () => void {
  live.add(server);
  return () => {
    if (!live.delete(server)) return;
    leftByClosed.push(...server.take().map((r) => `${server.name}: ${r}`));
  };
}

/** Takes every unexpected request seen since the last call, from live and closed servers. */
export function takeUnexpectedRequests(): string[] {
  const out = leftByClosed.splice(0);
  for (const s of live) out.push(...s.take().map((r) => `${s.name}: ${r}`));
  return out;
}

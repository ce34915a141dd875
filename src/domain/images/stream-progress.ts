import { addCounts, type CleanupCounts, zeroCounts } from "./cleanup-checkpoint.js";

/** One listing page in flight: its counts, and the deletions it still waits for. */
export interface PageTicket {
  stream: string;
  lastKey: string | undefined;
  last: boolean;
  counts: CleanupCounts;
  /** Objects of this page not yet answered by a DeleteObjects request. */
  pending: number;
  /** Planned and handed to the deleter (set once the page's objects are all queued). */
  queued: boolean;
}

/**
 * Which keys are fully handled, per listing stream. Pages of a stream complete out of order (delete
 * batches mix pages and streams), so a stream's mark only moves past a page once that page and every
 * earlier page of the stream are done; the counts move with the mark, so a resumed run counts
 * nothing twice.
 */
export class StreamProgress {
  readonly committed: CleanupCounts;
  readonly handled: Record<string, string>;
  readonly done: Set<string>;
  private readonly queues = new Map<string, PageTicket[]>();

  constructor(
    base: { counts: CleanupCounts; handled: Record<string, string>; done: string[] },
    private readonly onCommit: () => void,
  ) {
    this.committed = { ...base.counts };
    this.handled = { ...base.handled };
    this.done = new Set(base.done);
  }

  open(stream: string, lastKey: string | undefined, last: boolean): PageTicket {
    const ticket: PageTicket = { stream, lastKey, last, counts: zeroCounts(), pending: 0, queued: false };
    const q = this.queues.get(stream) ?? [];
    q.push(ticket);
    this.queues.set(stream, q);
    return ticket;
  }

  /** All of the page's doomed objects are queued for deletion (or it had none). */
  queued(ticket: PageTicket): void {
    ticket.queued = true;
    this.advance(ticket.stream);
  }

  /** `count` of the page's objects were answered by DeleteObjects (deleted or failed). */
  answered(ticket: PageTicket, count: number): void {
    ticket.pending -= count;
    this.advance(ticket.stream);
  }

  private advance(stream: string): void {
    const q = this.queues.get(stream);
    let moved = false;
    while (q?.length && q[0]!.queued && q[0]!.pending <= 0) {
      const t = q.shift()!;
      addCounts(this.committed, t.counts);
      if (t.lastKey !== undefined) this.handled[stream] = t.lastKey;
      if (t.last) {
        this.done.add(stream);
        delete this.handled[stream];
      }
      moved = true;
    }
    if (q && !q.length) this.queues.delete(stream);
    if (moved) this.onCommit();
  }
}

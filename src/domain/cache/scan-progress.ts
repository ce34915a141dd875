import type { Output } from "../../core/output.js";

/**
 * "listing rate-limit counters: 12,000 keys…" redrawn in place on stderr while a large namespace
 * is listed page by page (1000 keys a request), at most ten times a second. Only at a terminal and
 * never with --json or --quiet (Output.showProgress); elsewhere it prints nothing. The listing's
 * requests go through the run's one API budget (src/clients/api-budget.ts), so a pacing line may
 * interrupt the counter: Output clears it first, and it is drawn again on the next page.
 */
export class ScanProgress {
  private count = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: Output,
    private readonly what: string,
  ) {}

  /** A page of `n` keys arrived. */
  add(n: number): void {
    this.count += n;
    if (!this.out.showProgress) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.out.drawLive(`${this.what}: ${this.count.toLocaleString("en-US")} keys…`);
  }

  /** Clears the counter line (the command's own output follows). */
  done(): void {
    this.out.clearLive();
  }
}

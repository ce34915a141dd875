import type { Output } from "../../core/output.js";
import { formatBytes } from "./parts.js";

/**
 * Upload progress. At a terminal: one bar redrawn in place (bytes, rate, ETA), at most ten
 * times a second. Elsewhere: nothing here; the command prints one plain line per file.
 */
export class UploadProgress {
  private done = new Map<number, number>();
  private filesDone = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(
    private readonly out: Output,
    private readonly totalBytes: number,
    private readonly totalFiles: number,
  ) {
    this.enabled = out.showProgress;
  }

  update(file: number, bytes: number): void {
    this.done.set(file, bytes);
    this.draw(false);
  }

  fileDone(file: number, bytes: number): void {
    this.done.set(file, bytes);
    this.filesDone++;
    this.draw(true);
  }

  /** Clears the bar so the next line starts clean. */
  finish(): void {
    if (this.enabled) this.out.clearLive();
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const sent = [...this.done.values()].reduce((a, b) => a + b, 0);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? sent / seconds : 0;
    const ratio = this.totalBytes > 0 ? Math.min(1, sent / this.totalBytes) : 1;
    const eta = rate > 0 ? Math.max(0, (this.totalBytes - sent) / rate) : undefined;
    const width = 24;
    const filled = Math.round(ratio * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const line = `${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${formatBytes(sent)}/${formatBytes(this.totalBytes)} ${formatBytes(Math.round(rate))}/s ETA ${eta === undefined ? "?" : `${Math.ceil(eta)}s`} (${this.filesDone}/${this.totalFiles} files)`;
    this.out.drawLive(line);
  }
}

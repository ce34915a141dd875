import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * Text to a stream in chunks of about 64 KiB: one write per chunk rather than per row, and it waits
 * for 'drain' when the stream is full, so a slow reader slows the producer instead of filling memory.
 * A reader that goes away (`| head`: EPIPE) is not an error: `readerGone` turns true and later writes
 * are dropped, so the caller can stop early.
 */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  private failure: NodeJS.ErrnoException | undefined;
  private readonly onError = (error: NodeJS.ErrnoException) => {
    this.failure ??= error;
  };

  constructor(
    private readonly stream: Writable,
    /** Applied to every chunk before it is written (secret redaction). */
    private readonly transform: (text: string) => string = (t) => t,
    private readonly chunkChars = 64 * 1024,
  ) {
    stream.on("error", this.onError);
  }

  get readerGone(): boolean {
    return this.failure?.code === "EPIPE";
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.size === 0 || this.readerGone) return;
    const text = this.transform(this.parts.join(""));
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text)) {
      try {
        await once(this.stream, "drain");
      } catch (error) {
        this.onError(error as NodeJS.ErrnoException);
      }
    }
    this.check();
  }

  /** Stops listening for the stream's errors. */
  close(): void {
    this.stream.off("error", this.onError);
  }

  private check(): void {
    if (this.failure && !this.readerGone) throw this.failure;
    if (this.readerGone) {
      this.parts = [];
      this.size = 0;
    }
  }
}

import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * Text to a stream in chunks of about 64 KiB: one write per chunk rather than per row, and it waits
 * for 'drain' when the stream is full, so a slow reader slows the producer instead of filling memory.
 */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly stream: Writable,
    /** Applied to every chunk before it is written (secret redaction). */
    private readonly transform: (text: string) => string = (t) => t,
    private readonly chunkChars = 64 * 1024,
  ) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.transform(this.parts.join(""));
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }
}

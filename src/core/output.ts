import type { Readable, Writable } from "node:stream";

/** The process's streams and surroundings, injected so tests can run the CLI in-process. */
export interface IO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof ANSI;

/** Colours only on a TTY, never with NO_COLOR (https://no-color.org), always with FORCE_COLOR. */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/**
 * Replaces every registered secret with a fixed mask, wherever it appears. An S3 access key id
 * is masked too, except as the X-Amz-Credential of a presigned URL: the URL works only with it,
 * and whoever holds the URL may see it (the signature, not the id, is what grants access).
 */
export class Redactor {
  private secrets: string[] = [];
  private credentialIds: RegExp[] = [];
  add(secret: string | undefined): void {
    // Short values would mask ordinary words; real tokens and keys are long.
    if (secret && secret.length >= 8 && !this.secrets.includes(secret)) {
      this.secrets.push(secret, encodeURIComponent(secret));
      this.secrets.sort((a, b) => b.length - a.length);
    }
  }
  /** An access key id: masked everywhere but inside a presigned URL's X-Amz-Credential. */
  addCredentialId(id: string | undefined): void {
    if (id && id.length >= 8) {
      for (const form of new Set([id, encodeURIComponent(id)])) {
        this.credentialIds.push(new RegExp(`(?<!X-Amz-Credential=)${form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "g"));
      }
    }
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    for (const id of this.credentialIds) out = out.replace(id, "[redacted]");
    return out;
  }
}

/**
 * Human output vs --json. Data goes to stdout; status, progress and diagnostics to stderr,
 * so `kanvas … --json | jq` always sees clean JSON.
 */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly colour: boolean;
  readonly redactor: Redactor;
  /** A progress line is drawn on stderr with no newline yet: the next line must clear it first. */
  private live = false;

  constructor(
    private readonly io: Pick<IO, "stdout" | "stderr" | "env">,
    opts: { json?: boolean; verbose?: boolean; quiet?: boolean; redactor?: Redactor } = {},
  ) {
    this.json = opts.json ?? false;
    this.verbose = opts.verbose ?? false;
    this.quiet = opts.quiet ?? false;
    this.redactor = opts.redactor ?? new Redactor();
    this.colour = useColour(io.stderr, io.env);
  }

  get stdoutIsTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }
  get stderrIsTTY(): boolean {
    return this.io.stderr.isTTY === true;
  }

  /** Live progress (bars, counters) on stderr: only at a terminal, never with --json or --quiet. */
  get showProgress(): boolean {
    return this.stderrIsTTY && !this.json && !this.quiet;
  }

  paint(colour: Colour, text: string): string {
    return this.colour ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
  }

  /**
   * Draws a progress line in place on stderr (bars, counters; callers check showProgress). A status,
   * warning or error line written meanwhile clears it first, so it never runs on from the counter;
   * the next draw puts the counter back under it.
   */
  drawLive(text: string): void {
    this.io.stderr.write(`\r\u001b[2K${this.redactor.redact(text)}`);
    this.live = true;
  }
  /** Clears the progress line (the command's own output follows). */
  clearLive(): void {
    if (this.live) this.io.stderr.write("\r\u001b[2K");
    this.live = false;
  }

  /** A status line on stderr (suppressed by --quiet). */
  info(line: string): void {
    if (!this.quiet) this.writeErr(line + "\n");
  }
  success(line: string): void {
    this.info(this.paint("green", "✔ ") + line);
  }
  warn(line: string): void {
    this.writeErr(this.paint("yellow", "warning: ") + line + "\n");
  }
  /** Only with --verbose. */
  debug(line: string): void {
    if (this.verbose) this.writeErr(this.paint("dim", line) + "\n");
  }
  errorLine(line: string): void {
    this.writeErr(this.paint("red", "error: ") + line + "\n");
  }

  /** Raw text on stdout (human-mode results). */
  print(text: string): void {
    this.io.stdout.write(this.redactor.redact(text));
  }
  println(line = ""): void {
    this.print(line + "\n");
  }
  /** Raw bytes on stdout, untouched (e.g. `cache get --raw`). */
  printBytes(bytes: Uint8Array): void {
    this.io.stdout.write(bytes);
  }

  /** The command's result: JSON on stdout with --json, else the human renderer. */
  result<T>(value: T, human: (value: T) => void): void {
    if (this.json) this.print(JSON.stringify(value, null, 2) + "\n");
    else human(value);
  }

  /** One NDJSON line on stdout (streaming large results). */
  ndjson(value: unknown): void {
    this.print(JSON.stringify(value) + "\n");
  }

  /** Text on stderr, after clearing a progress line that is drawn. */
  writeErr(text: string): void {
    this.clearLive();
    this.io.stderr.write(this.redactor.redact(text));
  }

  /**
   * A plain-text table: columns padded to their widest cell. A null cell (SQL NULL) shows as
   * NULL, so it never looks like an empty string; undefined means "nothing to show" (blank).
   */
  table(headers: string[], rows: Array<Array<string | number | null | undefined>>): void {
    const cells = rows.map((r) => r.map((c) => (c === null ? "NULL" : c === undefined ? "" : String(c))));
    const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd();
    this.println(this.paint("bold", line(headers)));
    for (const r of cells) this.println(line(r));
  }
}

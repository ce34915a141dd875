import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { StreamResume } from "./stream-list.js";

/** What the summary counts; a checkpoint carries the counts of everything it marks handled. */
export interface CleanupCounts {
  scanned: number;
  matched: number;
  referenced: number;
  deleted: number;
  bytesFreed: number;
  rowsDeleted: number;
}

export const zeroCounts = (): CleanupCounts => ({ scanned: 0, matched: 0, referenced: 0, deleted: 0, bytesFreed: 0, rowsDeleted: 0 });

export function addCounts(into: CleanupCounts, more: CleanupCounts): void {
  for (const k of Object.keys(into) as Array<keyof CleanupCounts>) into[k] += more[k];
}

export interface CheckpointData extends StreamResume {
  version: 1;
  target: string;
  bucket: string;
  prefix: string;
  olderThan: string;
  includeReferenced: boolean;
  /** The first run's cutoff: a resumed job keeps it, so it deletes what the job set out to delete. */
  cutoff: number;
  counts: CleanupCounts;
  updatedAt: string;
}

/**
 * A cleanup's checkpoint, `.wrangler/kanvas/cleanup-<hash>.json` beside the config: one file per
 * job (target, bucket, prefix, --older-than), rewritten atomically after each completed delete batch
 * and removed when the job completes.
 */
export class CleanupCheckpoint {
  readonly file: string;

  constructor(configDir: string, key: { target: string; bucket: string; prefix: string; olderThan: string; includeReferenced: boolean }) {
    const hash = createHash("sha256").update(JSON.stringify([key.target, key.bucket, key.prefix, key.olderThan, key.includeReferenced])).digest("hex").slice(0, 16);
    this.file = path.join(configDir, ".wrangler", "kanvas", `cleanup-${hash}.json`);
  }

  /** undefined when there is none (or it cannot be read: the job then starts over, which is safe). */
  load(): CheckpointData | undefined {
    try {
      const data = JSON.parse(readFileSync(this.file, "utf8")) as CheckpointData;
      return data.version === 1 && typeof data.cutoff === "number" ? data : undefined;
    } catch {
      return undefined;
    }
  }

  save(data: CheckpointData): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.file);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

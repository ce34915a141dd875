import { UsageError } from "../core/errors.js";

export const MiB = 1024 * 1024;
/** R2: every part but the last at least 5 MiB, at most 5 GiB, at most 10,000 parts. */
export const MIN_PART = 5 * MiB;
export const MAX_PART = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
/** Single PUT limit: larger files must go up in parts whatever the threshold. */
export const MAX_SINGLE_PUT = 5 * 1024 * MiB;
/** Parts of 16 MiB: few requests, and parallel parts × part size stays small in memory. */
export const PREFERRED_PART = 16 * MiB;

/**
 * One part size for the whole file (all parts equal but the last): the preferred size, grown
 * in whole MiB only when the file would otherwise need more than 10,000 parts.
 */
export function choosePartSize(fileSize: number, preferred = PREFERRED_PART): number {
  const needed = Math.ceil(fileSize / MAX_PARTS / MiB) * MiB;
  const size = Math.max(MIN_PART, preferred, needed);
  if (size > MAX_PART) throw new UsageError(`a ${fileSize}-byte file cannot fit in ${MAX_PARTS} parts of at most 5 GiB.`, "file_too_large");
  return size;
}

export interface PartRange {
  partNumber: number;
  start: number;
  /** Exclusive. */
  end: number;
}

export function partRanges(fileSize: number, partSize: number): PartRange[] {
  const parts: PartRange[] = [];
  for (let start = 0, n = 1; start < fileSize || n === 1; start += partSize, n++) {
    parts.push({ partNumber: n, start, end: Math.min(fileSize, start + partSize) });
    if (fileSize === 0) break;
  }
  return parts;
}

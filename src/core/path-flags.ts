import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./errors.js";

/**
 * Checks, before any work, that a flag naming a file to write (--log-file, --metrics-file) can be
 * written: not a folder, its folder exists and is writable. Exit 2 naming the flag, instead of an
 * "unexpected error: EISDIR" after things were deleted.
 */
export function checkWritableFile(file: string, flag: string, shown = file): void {
  const stat = statOrUndefined(file);
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${shown}: is a folder; give a file path, e.g. ${path.join(shown, "kanvas.ndjson")}.`, "bad_path");
  const dir = path.dirname(file);
  const dirStat = statOrUndefined(dir);
  if (!dirStat) throw new UsageError(`${flag} ${shown}: the folder ${path.dirname(shown)} does not exist; create it or give another path.`, "bad_path");
  if (!dirStat.isDirectory()) throw new UsageError(`${flag} ${shown}: ${path.dirname(shown)} is not a folder; give another path.`, "bad_path");
  try {
    accessSync(stat ? file : dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${shown}: ${stat ? "the file" : `the folder ${path.dirname(shown)}`} is not writable; fix its permissions or give another path.`, "bad_path");
  }
}

/** A flag naming a folder kanvas creates if needed (--persist-to): it must not be a file. */
export function checkFolderFlag(dir: string, flag: string, shown = dir): void {
  const stat = statOrUndefined(dir);
  if (stat && !stat.isDirectory()) throw new UsageError(`${flag} ${shown}: is a file, not a folder; give a folder path.`, "bad_path");
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

import { constants } from "node:fs";
import { access, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../../core/errors.js";

export interface LocalFile {
  /** Absolute path. */
  path: string;
  /** As the user would recognise it (relative to the folder they named). */
  display: string;
  size: number;
  /** Path inside the folder that was named ("a/b.jpg"), or the file name: what --prefix keeps. */
  relative?: string;
}

/**
 * Expands the named files and folders (recursively; dot-files inside folders are skipped)
 * and checks that each one is a readable regular file, before anything is uploaded.
 */
export async function collectFiles(inputs: string[], cwd: string): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    const st = await stat(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new UsageError(`${input}: no such file or folder. Check the path.`, "file_not_found");
      throw new UsageError(`${input}: cannot read it (${error.code}). Check its permissions.`, "file_unreadable");
    });
    if (st.isDirectory()) {
      const before = out.length;
      await walk(abs, input, out, "");
      if (out.length === before) throw new UsageError(`${input}: the folder has no files to upload.`, "empty_folder");
    } else if (st.isFile()) {
      await mustRead(abs, input);
      out.push({ path: abs, display: input, size: st.size, relative: path.basename(abs) });
    } else {
      throw new UsageError(`${input}: not a regular file or folder. Name files or folders only.`, "bad_file");
    }
  }
  return out;
}

async function walk(dir: string, display: string, out: LocalFile[], relative: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${display}: cannot read the folder (${error.code}). Check its permissions.`, "file_unreadable");
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const abs = path.join(dir, e.name);
    const shown = path.join(display, e.name);
    const rel = relative ? `${relative}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(abs, shown, out, rel);
    else if (e.isFile()) {
      await mustRead(abs, shown);
      out.push({ path: abs, display: shown, size: (await stat(abs)).size, relative: rel });
    }
  }
}

async function mustRead(abs: string, display: string): Promise<void> {
  await access(abs, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${display}: cannot read it (${error.code}). Check its permissions.`, "file_unreadable");
  });
}

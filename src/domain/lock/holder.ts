/**
 * Who holds a kanvas lock (migrations, cleanup), and whether that holder can still be alive.
 * A holder reads "host:pid:tag kanvas <command>" (time is the lock row's acquired_at), so a lock
 * left by a run on this host whose process is gone (kill -9, a crash) is taken over at once
 * instead of blocking the next run until it expires.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** host, pid, a random tag (unique per run) and the command: readable in "locked by …". */
export function newHolder(command?: string): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}${command ? ` kanvas ${command}` : ""}`;
}

/** The pid of a holder on this host whose process no longer exists; undefined otherwise (alive, elsewhere, unreadable). */
export function deadLocalHolderPid(holder: string): number | undefined {
  const m = /^([^:\s]+):(\d+):/.exec(holder);
  if (!m || m[1] !== hostname()) return undefined;
  const pid = Number(m[2]);
  if (pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return undefined; // alive
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH" ? pid : undefined; // EPERM: alive, someone else's
  }
}

export function takeOverLine(what: string, holder: string, pid: number): string {
  return `Taking over the ${what} lock from ${holder}: process ${pid} on this host is gone.`;
}

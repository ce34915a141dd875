import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  command: string;
}

/** Live (not zombie) processes, from /proc (Linux). */
function liveProcesses(): Proc[] {
  const found: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // ended while we looked
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after the last ")".
    const close = stat.lastIndexOf(")");
    const [state, ppid, pgrp] = stat.slice(close + 2).split(" ");
    if (state === "Z") continue;
    found.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), command: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return found;
}

/** `root` and every live process below it (children, their children …), whatever group or session they moved to. */
export function processTree(root: number): Array<{ pid: number; command: string }> {
  const all = liveProcesses();
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => tree.has(p.pid)).map(({ pid, command }) => ({ pid, command }));
}

/** Sends `signal` to the whole process group, as a terminal does on Ctrl-C. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  process.kill(-pgid, signal);
}

/** Polls until none of `pids` is alive; returns how long that took, or throws naming what is left. */
export async function waitUntilGone(procs: Array<{ pid: number; command: string }>, ceilingMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = new Set(liveProcesses().map((p) => p.pid));
    const left = procs.filter((p) => alive.has(p.pid));
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > ceilingMs) {
      throw new Error(`still running after ${ceilingMs} ms: ${left.map((p) => `${p.pid} ${p.command}`).join(", ")}`);
    }
    await sleep(50);
  }
}

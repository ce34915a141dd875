import { existsSync, readFileSync } from "node:fs";

/**
 * Samples a process's peak resident set (VmHWM, Linux) until stop(): the kernel keeps the high-water
 * mark, so sampling only has to catch the process before it exits. undefined where /proc is missing.
 */
export function watchPeakRss(pid: number, everyMs = 20): { stop(): number | undefined } {
  if (!existsSync(`/proc/${pid}/status`)) return { stop: () => undefined };
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // exited
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak || undefined;
    },
  };
}

import { readFileSync } from "node:fs";

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status). */
export function residentMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** The highest RSS of a process while `during` runs, sampled every 100 ms. */
export async function peakResidentMb<T>(pid: number, during: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = residentMb(pid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, residentMb(pid));
  }, 100);
  try {
    const result = await during();
    return { result, peakMb: Math.max(peakMb, residentMb(pid)) };
  } finally {
    clearInterval(sampler);
  }
}

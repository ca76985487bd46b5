import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
/** The resolution of /proc's CPU times. */
const CLOCK_TICK_MS = 1000 / TICKS_PER_SECOND;

interface ProcStat {
  ppid: number;
  /** user + system CPU of the process itself, ms. */
  ownMs: number;
  /** user + system CPU of its reaped children, ms. */
  reapedChildrenMs: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // exited
  }
  // Fields after "(comm)", which may itself hold spaces: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const tick = (i: number) => (Number(fields[i - 3]) * 1000) / TICKS_PER_SECOND;
  return { ppid: Number(fields[1]), ownMs: tick(14) + tick(15), reapedChildrenMs: tick(16) + tick(17) };
}

/** CPU ms the process has used so far (utime + stime from /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  return procStat(pid)?.ownMs ?? NaN;
}

/**
 * CPU ms a PostgreSQL cluster has used so far: the postmaster, its reaped
 * children (backends that already exited) and every live child (backends,
 * checkpointer, WAL writer, ...).
 */
export function clusterCpuMs(postmasterPid: number): number {
  const postmaster = procStat(postmasterPid);
  if (!postmaster) return NaN;
  let total = postmaster.ownMs + postmaster.reapedChildrenMs;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === postmasterPid) total += stat.ownMs;
  }
  return total;
}

/**
 * Waits until the cluster's CPU is accounted for. For a moment after backends exit (pgbench done,
 * or a pool closing the connections that idled while its server was stopped), their CPU is in
 * neither a live child nor the postmaster's reaped-children total: read then, a run's PostgreSQL CPU
 * could vanish from an end reading (seen: 0.011 ms a booking instead of ~1.4) or from a start
 * reading, landing on the run that follows. It shows up within ~50 ms; this waits 100 ms, then for
 * two readings 50 ms apart within one clock tick (at most 2 s).
 */
export async function clusterCpuSettled(postmasterPid: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  let previous = clusterCpuMs(postmasterPid);
  for (let poll = 0; poll < 40; poll++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = clusterCpuMs(postmasterPid);
    if (now - previous <= CLOCK_TICK_MS) return;
    previous = now;
  }
}

/** The postmaster of the (local) cluster behind url: the parent of our own backend. */
export async function postmasterPidOf(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    const backend = procStat(rows[0]!.pid);
    if (!backend) throw new Error("the database is not on this machine: its CPU cannot be read from /proc");
    return backend.ppid;
  } finally {
    await client.end();
  }
}

/** CPU ms per call of a set of processes over a measured stretch. */
export class CpuMeter {
  private readonly startMs: number[];
  constructor(private readonly readers: (() => number)[]) {
    this.startMs = readers.map((read) => read());
  }
  /** ms of CPU per call for each reader since construction. */
  perCall(calls: number): number[] {
    return this.readers.map((read, i) => (read() - this.startMs[i]!) / calls);
  }
}

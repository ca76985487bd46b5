import type { Measured } from "./rpc-bench.js";

/** Issue 12's targets for one RPC: the closed loop's calls/s as a share of a reference, and the open loop's p99. */
export interface RpcTargets {
  minShare: number;
  openLoopP99Ms: number;
  /** What the share is of: the bare baseline's closed loop when absent, else (CreateAppointment) pgbench's rate. */
  reference?: { name: string; perSecond: number };
}

const verdict = (met: boolean) => (met ? "met" : "missed");

/**
 * Each target beside what the service and the bare baseline reached in this run (rows as compare returns
 * them): a target the bare baseline misses as well is beyond this machine in that run, not the service's.
 */
export function targetLines(rows: Measured[], targets: RpcTargets): string[] {
  const [serviceClosed, baselineClosed, serviceOpen, baselineOpen] = rows as [Measured, Measured, Measured, Measured];
  const target = targets.openLoopP99Ms;
  const open =
    `target open-loop p99 < ${target} ms: service ${serviceOpen.load.p99Ms.toFixed(1)} (${verdict(serviceOpen.load.p99Ms < target)}), ` +
    `bare baseline ${baselineOpen.load.p99Ms.toFixed(1)} (${verdict(baselineOpen.load.p99Ms < target)})`;
  const share = (measured: Measured, perSecond: number) => measured.load.perSecond / perSecond;
  const reference = targets.reference;
  const closed = reference
    ? `target closed loop >= ${targets.minShare}x ${reference.name}: ` +
      `service ${share(serviceClosed, reference.perSecond).toFixed(2)} (${verdict(share(serviceClosed, reference.perSecond) >= targets.minShare)}), ` +
      `bare baseline ${share(baselineClosed, reference.perSecond).toFixed(2)} (${verdict(share(baselineClosed, reference.perSecond) >= targets.minShare)})`
    : `target closed loop >= ${targets.minShare}x bare baseline: ` +
      `${share(serviceClosed, baselineClosed.load.perSecond).toFixed(2)} (${verdict(share(serviceClosed, baselineClosed.load.perSecond) >= targets.minShare)})`;
  return [closed, open];
}

import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runH2load } from "./h2load.js";
import { openLoopWarmupCalls, runLoadGenerator } from "./h2-load-generator.js";
import type { LoadResult } from "./latency.js";

export interface FixedBodyJob {
  /** The method's full URL. */
  url: string;
  headers: Record<string, string>;
  /** One pre-encoded gRPC frame, sent with every call. */
  body: Buffer;
  calls: number;
  connections: number;
  mode: { kind: "closed"; streamsPerConnection: number } | { kind: "open"; perSecond: number };
}

/**
 * One pre-encoded call, over and over: closed loop with h2load; open loop
 * with the raw HTTP/2 generator, which starts each call at its scheduled
 * time and counts latency from then. (h2load's --rps timer releases calls in
 * bursts and sends a run's late remainder together at its end: queueing of
 * the load generator's own making, which the tail then reports.)
 */
export async function runFixedBodyLoad(job: FixedBodyJob, onStart?: (pid: number) => void): Promise<LoadResult> {
  if (job.mode.kind === "closed") {
    return runH2load({ ...job, streamsPerConnection: job.mode.streamsPerConnection }, onStart);
  }
  const url = new URL(job.url);
  const bodiesFile = path.join(tmpdir(), `uc-bench-body-${process.pid}-${Date.now()}.bin`);
  writeFileSync(bodiesFile, job.body);
  try {
    return await runLoadGenerator(
      {
        url: url.origin,
        path: url.pathname,
        headers: job.headers,
        bodiesFile,
        connections: job.connections,
        mode: job.mode,
        warmupCalls: openLoopWarmupCalls(job.mode.perSecond),
        calls: job.calls,
      },
      onStart,
    );
  } finally {
    rmSync(bodiesFile, { force: true });
  }
}

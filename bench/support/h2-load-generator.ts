import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { summarize, type LoadResult } from "./latency.js";
import { RawH2Connection } from "./raw-h2-client.js";

/**
 * A lean gRPC load generator (raw-h2-client.ts), run in its own process: request
 * bodies are pre-encoded gRPC frames (one per call, cycled), so a run can
 * book a different slot with every call, which h2load (one body) cannot.
 * closed: `inFlight` callers each await their previous call;
 * open: calls start at a fixed rate whatever the answers do, and latency
 * counts from the scheduled start (queueing included).
 */
export interface LoadJob {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Concatenated gRPC frames, one per call. */
  bodiesFile: string;
  connections: number;
  mode: { kind: "closed"; inFlight: number } | { kind: "open"; perSecond: number };
  /** Calls before the measured ones, unrecorded: closed, 8 at a time; open, at the run's rate. */
  warmupCalls: number;
  calls: number;
}

function frames(file: string): Buffer[] {
  const all = readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length;) {
    const end = at + 5 + all.readUInt32BE(at + 1);
    out.push(all.subarray(at, end));
    at = end;
  }
  return out;
}

async function generate(job: LoadJob): Promise<LoadResult> {
  const bodies = frames(job.bodiesFile);
  const url = new URL(job.url);
  const connections = await Promise.all(
    Array.from({ length: job.connections }, () => RawH2Connection.open(url, job.path, job.headers)),
  );
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  const call = async (): Promise<void> => {
    const i = next++;
    const succeeded = await connections[i % connections.length]!.call(bodies[i % bodies.length]!).catch(() => false);
    if (!succeeded) {
      failures++;
      firstFailure ??= "a call ended without a message (a gRPC error, a reset stream or a lost connection)";
    }
  };

  const latencies: number[] = [];
  const closed = async (total: number, inFlight: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (started < total) {
          started++;
          const t0 = performance.now();
          await call();
          latencies.push(performance.now() - t0);
        }
      }),
    );
  };
  const open = async (total: number, perSecond: number) => {
    const t0 = performance.now();
    const pending: Promise<void>[] = [];
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * perSecond) / 1000) + 1);
      for (const c of connections) c.cork();
      for (; sent < due; sent++) {
        const scheduled = t0 + (sent * 1000) / perSecond;
        pending.push(call().then(() => void latencies.push(performance.now() - scheduled)));
      }
      for (const c of connections) c.uncork();
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
  };

  // Warm-up at the measured load: an open run's first seconds otherwise time this process's own start
  // (compiling its code, opening streams), the stall of switching from idle to the rate and the target's
  // tier-up (openLoopWarmupCalls). It runs the measured code path itself, recording included, and its
  // figures are dropped, so no code of the generator is first compiled once the measurement starts.
  if (job.mode.kind === "closed") await closed(job.warmupCalls, Math.min(job.warmupCalls, 8));
  else await open(job.warmupCalls, job.mode.perSecond);
  failures = 0;
  latencies.length = 0;
  const started = performance.now();
  if (job.mode.kind === "closed") await closed(job.calls, job.mode.inFlight);
  else await open(job.calls, job.mode.perSecond);
  const seconds = (performance.now() - started) / 1000;
  for (const c of connections) c.close();
  return summarize(latencies, seconds, failures, firstFailure);
}

/**
 * Three seconds at the rate: what an open run sends before it measures. V8 tiers the service's hot
 * functions up to TurboFan about a second after the open load begins (many ran on Maglev through the
 * whole closed loop before it, their ticks reset by feedback changes), ~60–70 compilations on its
 * worker threads over ~1.5 s; with one second of warm-up that storm fell inside the measurement and
 * delayed its first 100–600 ms of calls (V8's code log beside the calls' latencies).
 */
export function openLoopWarmupCalls(perSecond: number): number {
  return Math.round(3 * perSecond);
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] === here) {
  const job = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadJob;
  process.stdout.write(JSON.stringify(await generate(job)));
  process.exit(0);
}

/** Runs a job in a child process (its own event loop and core) and returns what it measured. */
export async function runLoadGenerator(job: LoadJob, onStart?: (pid: number) => void): Promise<LoadResult> {
  const jobFile = path.join(tmpdir(), `uc-bench-job-${process.pid}-${Date.now()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const child = spawn(process.execPath, ["--import", "tsx", here, jobFile], { stdio: ["ignore", "pipe", "inherit"] });
  if (child.pid) onStart?.(child.pid);
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

import { cpus, loadavg } from "node:os";
import pg from "pg";
import { startBaselineServer, type BaselineServer } from "./baseline-server.js";
import { CpuMeter, clusterCpuMs, clusterCpuSettled, postmasterPidOf, processCpuMs } from "./process-cpu.js";
import { slowestDiskFlushMs } from "./disk-flush-probe.js";
import { peakResidentMb, residentMb } from "./process-memory.js";
import type { LoadResult } from "./latency.js";
import { BENCH_SERVICE_KEY, freePort, startBenchServer, type BenchServer } from "./server-process.js";
import { describeGc, gcActivity } from "./service-gc.js";

/** How a bench loads one target: closed loop (as fast as it answers) or open loop at a rate. */
export type LoadMode = { kind: "closed" } | { kind: "open"; perSecond: number };
export type LoadRunner = (url: string, mode: LoadMode, calls: number, run: string) => Promise<LoadResult>;

export interface Measured {
  label: string;
  load: LoadResult;
  serverCpuMs: number;
  postgresCpuMs: number;
  /** Server RSS (VmRSS) before the run (before any load for the closed loop: idle) and its peak during it. */
  rssBeforeMb: number;
  rssPeakMb: number;
  /**
   * Open loops: the slowest disk flush beside the run (disk-flush-probe.ts), what a commit could have
   * waited for. Not probed in closed loops, whose references (pgbench) run without the probe's writes.
   */
  slowestFlushMs?: number;
  /** The service's open loop: its garbage collections during the run (describeGc). */
  gc?: string;
}

export interface Targets {
  service: BenchServer;
  baseline: BaselineServer;
  databaseUrl: string;
  postmasterPid: number;
}

const SECONDS_PER_RUN = 8;
/**
 * Closed-loop calls before each target's measured closed loop. V8 keeps tiering the service's larger code
 * up long after its first calls: CreateAppointment with `--trace-opt` (closed loop, 4,000 calls a step
 * after the first 2,000) compiled 255, 101, 278, 55, 74 and 24 functions a step while its rate rose from 729
 * to 924 calls/s; measured after 2,000, a tenth or more of the service's figure was its JIT still at work,
 * which a service running for days has long done. The bare baseline gets the same warm-up.
 */
const WARMUP_CALLS = 15_000;
const MIN_MEASURED_CALLS = 2_000;
/**
 * How long a target idles before its idle RSS is read: the service hands its C heap's free pages
 * back after a 5 s window without work (src/native/idle-memory-release.ts), and the seeding just
 * before was work.
 */
const IDLE_SETTLE_MS = 11_000;

/** The service, then (after prepare, which may seed through it and hand back a pre-encoded answer) the baseline. */
export async function startTargets(
  databaseUrl: string,
  prepare?: (serviceUrl: string) => Promise<Buffer | undefined>,
): Promise<Targets> {
  const service = await startBenchServer(databaseUrl);
  try {
    const availabilityAnswer = await prepare?.(service.url);
    await disableAutovacuum(databaseUrl);
    await settleDatabase(databaseUrl);
    const baseline = await startBaselineServer({
      databaseUrl,
      port: await freePort(),
      serviceKey: BENCH_SERVICE_KEY,
      availabilityAnswer,
    });
    return { service, baseline, databaseUrl, postmasterPid: await postmasterPidOf(databaseUrl) };
  } catch (error) {
    // A failed seed must not leave the service running after the bench exits.
    await service.stop();
    throw error;
  }
}

/**
 * Autovacuum off for the bench's own tables: its vacuums and analyzes (a GiST exclusion index makes
 * the appointments table's vacuum costly) landed in whichever target's run they fell in, counted as
 * that target's PostgreSQL CPU (pgbench of CreateAppointment's transaction at 800 bookings/s and 2.2 ms
 * of PostgreSQL CPU each in one run, 1,900–2,050 and 0.85–0.91 in others). settleDatabase does their
 * work between runs instead.
 */
async function disableAutovacuum(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname = 'public'`,
    );
    for (const { name } of rows) await client.query(`alter table ${name} set (autovacuum_enabled = off)`);
  } finally {
    await client.end();
  }
}

/**
 * VACUUM ANALYZE before each measured run, outside it, as autovacuum keeps a production database: plans
 * made on fresh statistics (plans made on empty statistics, such as index nested loops over
 * CheckAvailability's 200 busy events or a sequential scan of appointments in CreateAppointment's
 * stale-hold cleanup, otherwise held until an analyze invalidated them: the busy read cost 0.8–1.1 ms
 * of PostgreSQL CPU unanalyzed, 0.36–0.41 analyzed), and no dead rows of the previous run.
 */
export async function settleDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("vacuum analyze");
  } finally {
    await client.end();
  }
}

export async function stopTargets(targets: Targets): Promise<void> {
  await targets.service.stop();
  await targets.baseline.stop();
}

async function measure(
  label: string,
  pid: number,
  database: Pick<Targets, "databaseUrl" | "postmasterPid">,
  load: () => Promise<LoadResult>,
  options: { rssBeforeMb?: number; probeDisk?: boolean } = {},
): Promise<Measured> {
  const rssBeforeMb = options.rssBeforeMb ?? residentMb(pid);
  await settleDatabase(database.databaseUrl);
  // The target may just have been resumed: its pool closes the connections that idled meanwhile, and
  // their backends' CPU must be counted before the run starts, not in it.
  await clusterCpuSettled(database.postmasterPid);
  const meter = new CpuMeter([() => processCpuMs(pid), () => clusterCpuMs(database.postmasterPid)]);
  const sampled = () => peakResidentMb(pid, load);
  const {
    result: { result, peakMb },
    slowestFlushMs,
  } = options.probeDisk ? await slowestDiskFlushMs(sampled) : { result: await sampled(), slowestFlushMs: undefined };
  const [serverCpuMs, postgresCpuMs] = meter.perCall(result.calls);
  if (result.failures > 0) throw new Error(`${label}: ${result.failures} calls failed, first: ${result.firstFailure}`);
  return {
    label,
    load: result,
    serverCpuMs: serverCpuMs!,
    postgresCpuMs: postgresCpuMs!,
    rssBeforeMb,
    rssPeakMb: Math.max(rssBeforeMb, peakMb),
    slowestFlushMs,
  };
}

/**
 * Runs work with the given processes stopped (SIGSTOP): on two cores an idle
 * target's timers and its after-load garbage collection (measured: a 100 ms
 * major GC of the service in the middle of the baseline's open loop) would
 * land in the figures of whatever is measured meanwhile.
 */
export async function withStopped<T>(pids: number[], work: () => Promise<T>): Promise<T> {
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  try {
    return await work();
  } finally {
    for (const pid of pids) process.kill(pid, "SIGCONT");
  }
}

/**
 * Service and baseline, each warmed up, then closed loop at full speed, then
 * both open loop at half the service's measured maximum: latency at a load
 * the service sustains, without the queueing a closed loop measures.
 */
export async function compare(targets: Targets, runLoad: LoadRunner): Promise<Measured[]> {
  const alone = <T>(pid: number, work: () => Promise<T>) =>
    withStopped([pid === targets.service.pid ? targets.baseline.pid : targets.service.pid], work);
  const closed = (name: "service" | "baseline", url: string, pid: number) =>
    alone(pid, async () => {
      await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
      const idleMb = residentMb(pid);
      const warm = await runLoad(url, { kind: "closed" }, WARMUP_CALLS, `${name}-warmup`);
      const calls = Math.max(MIN_MEASURED_CALLS, Math.round(warm.perSecond * SECONDS_PER_RUN));
      return measure(
        `${name} closed loop`,
        pid,
        targets,
        () => runLoad(url, { kind: "closed" }, calls, `${name}-closed`),
        { rssBeforeMb: idleMb },
      );
    });
  const serviceClosed = await closed("service", targets.service.url, targets.service.pid);
  const baselineClosed = await closed("baseline", targets.baseline.url, targets.baseline.pid);
  const perSecond = Math.max(1, Math.round(serviceClosed.load.perSecond / 2));
  const open = (name: "service" | "baseline", url: string, pid: number) =>
    alone(pid, () =>
      measure(
        `${name} open loop ${perSecond}/s`,
        pid,
        targets,
        () => runLoad(url, { kind: "open", perSecond }, perSecond * SECONDS_PER_RUN, `${name}-open`),
        { probeDisk: true },
      ),
    );
  const gcBefore = await gcActivity(targets.service.url);
  const serviceOpen = await open("service", targets.service.url, targets.service.pid);
  serviceOpen.gc = describeGc(gcBefore, await gcActivity(targets.service.url));
  const baselineOpen = await open("baseline", targets.baseline.url, targets.baseline.pid);
  return [serviceClosed, baselineClosed, serviceOpen, baselineOpen];
}

const cell = (value: number, digits: number, width: number) => value.toFixed(digits).padStart(width);

/**
 * The figures as a table, with ratio = service/baseline per load. RSS "before" of a closed loop is the
 * server idle (started, seeded where the bench seeds, then IDLE_SETTLE_MS without calls); its peak is
 * under full load.
 */
export function report(title: string, rows: Measured[], extra: string[] = []): string {
  const lines = [
    title,
    `  (${cpus().length} cores; load average ${loadavg()[0]!.toFixed(1)}: other work on the machine slows both targets alike, CPU ms/call is less affected)`,
    `  ${"".padEnd(34)}${"calls/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"server CPU ms/call".padStart(20)}${"PG CPU ms/call".padStart(16)}${"RSS before/peak MB".padStart(20)}${"slowest fsync ms".padStart(18)}`,
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.label.padEnd(34)}${cell(r.load.perSecond, 0, 9)}${cell(r.load.p50Ms, 2, 9)}${cell(r.load.p99Ms, 2, 9)}` +
        `${cell(r.serverCpuMs, 3, 20)}${cell(r.postgresCpuMs, 3, 16)}` +
        `${`${r.rssBeforeMb.toFixed(0)} / ${r.rssPeakMb.toFixed(0)}`.padStart(20)}${(r.slowestFlushMs === undefined ? "-" : r.slowestFlushMs.toFixed(1)).padStart(18)}`,
    );
  }
  for (const r of rows) if (r.gc) lines.push(`  ${r.label}: garbage collections ${r.gc}`);
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const [s, b] = [rows[i]!, rows[i + 1]!];
    lines.push(
      `  ratio service/baseline, ${s.label.replace(/^service /, "")}: calls/s ${(s.load.perSecond / b.load.perSecond).toFixed(2)}, ` +
        `p50 ${(s.load.p50Ms / b.load.p50Ms).toFixed(2)}, p99 ${(s.load.p99Ms / b.load.p99Ms).toFixed(2)}, ` +
        `server CPU/call ${(s.serverCpuMs / b.serverCpuMs).toFixed(2)}, PG CPU/call ${(s.postgresCpuMs / b.postgresCpuMs).toFixed(2)}`,
    );
  }
  return [...lines, ...extra.map((l) => `  ${l}`)].join("\n") + "\n";
}

import PgBoss from "pg-boss";
import type { AppContext, JobMessages, JobQueue, QueueName, SendOptions } from "../app/context.js";
import type { Logger } from "../logger.js";
import { settleCompletionWrites } from "./completion-writes.js";
import { IntegrationLocks } from "./integration-locks.js";
import { readQueueStats, type QueueStats } from "./queue-stats.js";
import type { Schedule } from "./schedules.js";
import { WORKERS } from "./workers.js";

/**
 * Every named queue and how pg-boss keeps its jobs. Jobs are not retried by
 * pg-boss: provider calls are retried by our policy inside the job, and a
 * failed job records why.
 */
const SCHEDULE_QUEUE: Omit<PgBoss.Queue, "name"> = { policy: "stately", retryLimit: 0, expireInMinutes: 60 };
const QUEUES: Record<QueueName, Omit<PgBoss.Queue, "name">> = {
  "calendar-sync": { policy: "standard", retryLimit: 0, expireInHours: 2 },
  // Each job is one batch in one transaction from a checkpoint: a retry redoes at most that batch.
  "customer-data-reencrypt": {
    policy: "standard",
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
    expireInHours: 1,
  },
  // Deliveries keep their own attempts and leases in the outbox rows; a job is only a wake-up.
  "outbox-delivery": { policy: "standard", retryLimit: 0, expireInSeconds: 15 * 60 },
  "outbox-sweep": { policy: "standard", retryLimit: 0, expireInSeconds: 5 * 60 },
  // stately: per singleton key at most one job waiting and one running, so a burst of pushes is one sync.
  "integration-sync": { policy: "stately", retryLimit: 0, expireInHours: 2 },
  "push-channel": { policy: "stately", retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInMinutes: 15 },
  "schedule-backstop-sync": SCHEDULE_QUEUE,
  "schedule-caldav-poll": SCHEDULE_QUEUE,
  "schedule-full-sync": SCHEDULE_QUEUE,
  "schedule-channel-renewal": SCHEDULE_QUEUE,
  "schedule-token-refresh": SCHEDULE_QUEUE,
  "schedule-prune": SCHEDULE_QUEUE,
  "schedule-hold-reap": SCHEDULE_QUEUE,
};

/**
 * Jobs a worker takes per fetch (run concurrently). pg-boss fetches once per
 * polling interval, so one-at-a-time outbox deliveries would cap at a few per
 * second; a batch of wake-ups runs in parallel (each is one aggregate).
 */
function batchSizeOf(queue: QueueName): number {
  return queue === "outbox-delivery" ? 25 : 1;
}

/** Jobs starting later than this are left to the workers' polling (a timer each would pile up). */
const MAX_TIMED_WAKE_MS = 60_000;
/** After a delayed job's start, so the database's clock has passed it too. */
const WAKE_MARGIN_MS = 10;

/** How close to a held-back job's start a request still goes to the database. */
const COALESCE_MARGIN_MS = 50;

export interface JobRuntimeOptions {
  databaseUrl: string;
  logger: Logger;
  /** Jobs of each queue this instance runs at once. */
  workers?: number;
  /** pg-boss schema; tests give each server its own so their workers never take each other's jobs. */
  schema?: string;
  /** Recurring jobs registered at start (none: this instance schedules nothing). */
  schedules?: Schedule[];
}

/** The one pg-boss instance on the service's own PostgreSQL, behind the app's JobQueue port. */
export class JobRuntime implements JobQueue {
  private readonly workerIds: string[] = [];
  /** Coalesced jobs this instance queued, by queue and key: when each starts (its startAfter). */
  private readonly heldBack = new Map<string, number>();

  private constructor(
    private readonly boss: PgBoss,
    private readonly locks: IntegrationLocks,
    private readonly options: JobRuntimeOptions,
  ) {}

  /** Starts pg-boss and creates the queues; workers start with startWorkers once the AppContext exists. */
  static async start(options: JobRuntimeOptions): Promise<JobRuntime> {
    const schema = options.schema ?? "pgboss";
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema,
      max: 4,
      application_name: "universal-calendar-jobs",
      schedule: (options.schedules ?? []).length > 0,
    });
    boss.on("error", (error) => options.logger.error({ err: error }, "pg-boss error"));
    settleCompletionWrites(boss, schema, (error) =>
      options.logger.error({ err: error }, "pg-boss could not record a job's end; it stays active until its expiry"),
    );
    await boss.start();
    for (const [name, queue] of Object.entries(QUEUES)) await boss.createQueue(name, { name, ...queue });
    for (const schedule of options.schedules ?? [])
      await boss.schedule(schedule.queue, schedule.cron, {}, { tz: "UTC" });
    return new JobRuntime(boss, new IntegrationLocks(options.databaseUrl), options);
  }

  /** Each queue's use case (the worker table) on this instance, handed the app context. */
  async startWorkers(ctx: AppContext): Promise<void> {
    for (const queue of Object.keys(WORKERS) as QueueName[]) {
      const run = WORKERS[queue] as (ctx: AppContext, data: unknown) => Promise<void>;
      // Schedules and channel upkeep are rare and unhurried: one worker polling slowly is plenty.
      const background = queue.startsWith("schedule-") || queue === "push-channel";
      for (let i = 0; i < (background ? 1 : (this.options.workers ?? 2)); i++) {
        const workerId = await this.boss.work<unknown>(
          queue,
          { batchSize: batchSizeOf(queue), pollingIntervalSeconds: background ? 2 : 0.5 },
          async (jobs) => {
            await Promise.all(jobs.map((job) => run(ctx, job.data)));
          },
        );
        this.workerIds.push(workerId);
      }
    }
  }

  async send<Q extends QueueName>(queue: Q, data: JobMessages[Q], options: SendOptions = {}): Promise<boolean> {
    const now = Date.now();
    const held = options.coalesceKey && options.delayMs ? `${queue} ${options.coalesceKey}` : undefined;
    // A job this instance queued that has not started yet covers this request: no database round trip.
    // The margin keeps clear of the moment a worker may take it.
    if (held && (this.heldBack.get(held) ?? 0) - COALESCE_MARGIN_MS > now) return false;
    // A start must reach pg-boss: an outbox delivery queued for a retry's due time and started at once
    // finds nothing due and queues itself again, round after round, for the whole wait.
    const startAfter = options.startAfter?.getTime() ?? (options.delayMs ? now + options.delayMs : undefined);
    const id = await this.boss.send(queue, data as object, {
      ...(options.id ? { id: options.id } : {}),
      ...(options.coalesceKey ? { singletonKey: options.coalesceKey } : {}),
      ...(startAfter ? { startAfter: new Date(startAfter) } : {}),
    });
    if (held && id && startAfter) this.rememberHeldBack(held, startAfter, now);
    if (id) this.wakeWorkersAt(startAfter, now);
    return id !== null;
  }

  /**
   * Wakes this instance's idle workers when the job is due (now, or by a timer at a start within a
   * minute) rather than at their next poll; pg-boss hands out no job before its start anyway.
   */
  private wakeWorkersAt(startAfter: number | undefined, now: number): void {
    const wake = () => {
      for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
    };
    if (startAfter === undefined || startAfter <= now) return wake();
    if (startAfter - now > MAX_TIMED_WAKE_MS) return;
    setTimeout(wake, startAfter - now + WAKE_MARGIN_MS).unref();
  }

  private rememberHeldBack(key: string, startAfter: number, now: number): void {
    this.heldBack.set(key, startAfter);
    if (this.heldBack.size > 10_000) {
      for (const [k, at] of this.heldBack) if (at <= now) this.heldBack.delete(k);
    }
  }

  async isAbandoned(queue: QueueName, id: string): Promise<boolean> {
    const job = await this.boss.getJobById(queue, id, { includeArchive: true });
    return job !== null && !["created", "retry", "active"].includes(job.state);
  }

  exclusive<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T> {
    return this.locks.run(keys, work);
  }

  /** Depth and age of every named queue (read on a metrics scrape). */
  stats(): Promise<QueueStats[]> {
    return readQueueStats(this.boss.getDb(), this.options.schema ?? "pgboss", Object.keys(QUEUES));
  }

  /** Stops taking jobs and waits (bounded) for running ones. */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await this.locks.close();
  }
}

import PgBoss from "pg-boss";
import type { AppContext, JobMessages, JobQueue, QueueName } from "../app/context.js";
import type { Logger } from "../logger.js";
import { IntegrationLocks } from "./integration-locks.js";
import { readQueueStats, type QueueStats } from "./queue-stats.js";
import { SCHEDULES } from "./schedules.js";
import { WORKERS } from "./workers.js";

/**
 * Every named queue and how pg-boss keeps its jobs. Jobs are not retried by
 * pg-boss: provider calls are retried by our policy inside the job, and a
 * failed job records why.
 */
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
};

/**
 * Jobs a worker takes per fetch (run concurrently). pg-boss fetches once per
 * polling interval, so one-at-a-time outbox deliveries would cap at a few per
 * second; a batch of wake-ups runs in parallel (each is one aggregate).
 */
const BATCH_SIZES: Record<QueueName, number> = {
  "calendar-sync": 1,
  "customer-data-reencrypt": 1,
  "outbox-delivery": 25,
  "outbox-sweep": 1,
};

export interface JobRuntimeOptions {
  databaseUrl: string;
  logger: Logger;
  /** Jobs of each queue this instance runs at once. */
  workers?: number;
  /** pg-boss schema; tests give each server its own so their workers never take each other's jobs. */
  schema?: string;
}

/** The one pg-boss instance on the service's own PostgreSQL, behind the app's JobQueue port. */
export class JobRuntime implements JobQueue {
  private readonly workerIds: string[] = [];

  private constructor(
    private readonly boss: PgBoss,
    private readonly locks: IntegrationLocks,
    private readonly options: JobRuntimeOptions,
  ) {}

  /** Starts pg-boss and creates the queues; workers start with startWorkers once the AppContext exists. */
  static async start(options: JobRuntimeOptions): Promise<JobRuntime> {
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: options.schema ?? "pgboss",
      max: 4,
      application_name: "universal-calendar-jobs",
      schedule: SCHEDULES.length > 0,
    });
    boss.on("error", (error) => options.logger.error({ err: error }, "pg-boss error"));
    await boss.start();
    for (const [name, queue] of Object.entries(QUEUES)) await boss.createQueue(name, { name, ...queue });
    for (const schedule of SCHEDULES) await boss.schedule(schedule.queue, schedule.cron, schedule.data);
    return new JobRuntime(boss, new IntegrationLocks(options.databaseUrl), options);
  }

  /** Each queue's use case (the worker table) on this instance, handed the app context. */
  async startWorkers(ctx: AppContext): Promise<void> {
    for (const queue of Object.keys(WORKERS) as QueueName[]) {
      const run = WORKERS[queue] as (ctx: AppContext, data: JobMessages[typeof queue]) => Promise<void>;
      for (let i = 0; i < (this.options.workers ?? 2); i++) {
        const workerId = await this.boss.work<JobMessages[typeof queue]>(
          queue,
          { batchSize: BATCH_SIZES[queue], pollingIntervalSeconds: 0.5 },
          async (jobs) => {
            await Promise.all(
              jobs.map((job) => (run as (ctx: AppContext, data: unknown) => Promise<void>)(ctx, job.data)),
            );
          },
        );
        this.workerIds.push(workerId);
      }
    }
  }

  async send<Q extends QueueName>(
    queue: Q,
    data: JobMessages[Q],
    options: { id?: string; startAfter?: Date } = {},
  ): Promise<void> {
    await this.boss.send(queue, data as object, {
      ...(options.id ? { id: options.id } : {}),
      ...(options.startAfter && options.startAfter.getTime() > Date.now() ? { startAfter: options.startAfter } : {}),
    });
    // Wake this instance's idle workers now rather than at their next poll.
    for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
  }

  async isAbandoned(queue: QueueName, id: string): Promise<boolean> {
    const job = await this.boss.getJobById(queue, id, { includeArchive: true });
    return job !== null && !["created", "retry", "active"].includes(job.state);
  }

  exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(key, work);
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

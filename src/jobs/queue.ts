import { randomUUID } from "node:crypto";
import PgBoss from "pg-boss";
import type { SyncStarter } from "../app/calendar/calendar-dependencies.js";
import type { MikroORM } from "../db/orm.js";
import type { Clock } from "../domain/clock.js";
import { SyncJobSchema } from "../entities/sync-job.js";
import type { Logger } from "../logger.js";
import type { SyncEngine } from "../app/sync/run-sync-job.js";
import { syncJobView, type SyncJobView, type SyncType } from "../app/sync/sync-job-view.js";

export const SYNC_QUEUE_NAME = "calendar-sync";

export interface SyncQueueOptions {
  databaseUrl: string;
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  engine: SyncEngine;
  /** Jobs this instance runs at once. */
  workers?: number;
  /** pg-boss schema; tests give each server its own so their workers never take each other's jobs. */
  schema?: string;
}

export interface SyncRequest {
  tenantId: string;
  /** undefined: every calendar integration of the tenant. */
  provider?: string;
  integrationId?: string;
  type: SyncType;
}

/**
 * pg-boss on the service's own PostgreSQL: a sync_jobs row is the job's
 * visible state (its id is also the pg-boss job id) and the pg-boss job only
 * carries it to a worker. Jobs are not retried by pg-boss: provider calls are
 * retried by our policy inside the job, and a failed job records why.
 */
export class SyncQueue implements SyncStarter {
  private readonly workerIds: string[] = [];

  private constructor(
    private readonly boss: PgBoss,
    private readonly options: SyncQueueOptions,
  ) {}

  static async start(options: SyncQueueOptions): Promise<SyncQueue> {
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: options.schema ?? "pgboss",
      max: 4,
      application_name: "calendar-sync",
      schedule: false,
    });
    boss.on("error", (error) => options.logger.error({ err: error }, "pg-boss error"));
    await boss.start();
    await boss.createQueue(SYNC_QUEUE_NAME, { name: SYNC_QUEUE_NAME, policy: "standard", retryLimit: 0, expireInHours: 2 });
    const queue = new SyncQueue(boss, options);
    for (let i = 0; i < (options.workers ?? 2); i++) {
      const workerId = await boss.work<{ syncJobId: string }>(SYNC_QUEUE_NAME, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        if (job) await options.engine.run(job.data.syncJobId);
      });
      queue.workerIds.push(workerId);
    }
    return queue;
  }

  /** Records the job as queued and hands it to a worker; returns what GetSyncStatus will show. */
  async enqueue(request: SyncRequest): Promise<SyncJobView> {
    const em = this.options.orm.em.fork();
    const id = randomUUID();
    const job = em.create(SyncJobSchema, {
      id,
      tenantId: request.tenantId,
      provider: request.provider ?? null,
      integrationId: request.integrationId ?? null,
      type: request.type,
      status: "queued",
      errors: [],
      createdAt: this.options.clock.now(),
    });
    await em.flush();
    try {
      await this.boss.send(SYNC_QUEUE_NAME, { syncJobId: id }, { id });
      // Wake this instance's idle workers now rather than at their next poll.
      for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
    } catch (error) {
      await em.nativeUpdate(SyncJobSchema, { id }, { status: "failed", errors: ["could not be queued"], finishedAt: this.options.clock.now() });
      throw error;
    }
    return syncJobView(job);
  }

  /**
   * True when pg-boss no longer holds the job as waiting or running, i.e. the
   * worker that took it is gone (its process died or the job expired); false
   * while it is live or when this queue does not know it.
   */
  async isAbandoned(id: string): Promise<boolean> {
    const job = await this.boss.getJobById(SYNC_QUEUE_NAME, id, { includeArchive: true });
    return job !== null && !["created", "retry", "active"].includes(job.state);
  }

  async start(request: { tenantId: string; integrationId: string; provider: string; type: SyncType }): Promise<string> {
    return (await this.enqueue(request)).id;
  }

  /** Stops taking jobs and waits (bounded) for running ones. */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

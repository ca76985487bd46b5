import type { JobMessages, QueueName } from "../app/context.js";

export interface Schedule<Q extends QueueName = QueueName> {
  queue: Q;
  /** Cron expression (UTC); pg-boss fires it once across every instance. */
  cron: string;
  data: JobMessages[Q];
}

/**
 * Recurring jobs. Abandoned sync jobs are detected when read
 * (getSyncStatus), not by a reaper. The outbox sweep is the backstop of
 * delivery (every instance also sweeps once when its workers start).
 */
export const SCHEDULES: Schedule[] = [{ queue: "outbox-sweep", cron: "* * * * *", data: {} }];

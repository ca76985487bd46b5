import type { JobMessages, QueueName } from "../app/context.js";

export interface Schedule<Q extends QueueName = QueueName> {
  queue: Q;
  /** Cron expression (UTC); pg-boss fires it once across every instance. */
  cron: string;
  data: JobMessages[Q];
}

/**
 * Recurring jobs. None yet: abandoned sync jobs are detected when read
 * (getSyncStatus), not by a reaper.
 */
export const SCHEDULES: Schedule[] = [];

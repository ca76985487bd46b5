import type { AppSettings, QueueName, ScheduleName } from "../app/context.js";

export interface Schedule {
  queue: QueueName;
  /** Cron expression (UTC); pg-boss fires it across every instance, at times twice (app/schedules claims each run once). */
  cron: string;
}

/** A cron expression for an interval that divides an hour or a day evenly, or a week (Sunday 03:00 UTC). */
export function cronEvery(intervalMs: number): string {
  const minutes = Math.round(intervalMs / 60_000);
  if (minutes === 10_080) return "0 3 * * 0";
  if (minutes === 1_440) return "0 3 * * *";
  if (minutes >= 60) return `0 */${minutes / 60} * * *`;
  return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
}

/**
 * Recurring jobs, one queue each (pg-boss keeps one schedule per queue), at
 * the configured intervals; plus the outbox sweep every minute, the backstop
 * of delivery (every instance also sweeps once when its workers start).
 */
export function schedulesOf(settings: AppSettings): Schedule[] {
  const configured = (Object.entries(settings.scheduleIntervalsMs) as [ScheduleName, number][]).map(
    ([queue, intervalMs]) => ({ queue, cron: cronEvery(intervalMs) }),
  );
  return [...configured, { queue: "outbox-sweep", cron: "* * * * *" }];
}

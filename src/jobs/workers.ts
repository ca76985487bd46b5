import type { AppContext, JobMessages, QueueName, ScheduleName } from "../app/context.js";
import type { Caller } from "../domain/caller.js";
import { deliverAggregate } from "../app/outbox/deliver-aggregate.js";
import { sweepOutbox } from "../app/outbox/sweep-outbox.js";
import { runPushChannelTask } from "../app/channels/run-push-channel-task.js";
import { runSchedule } from "../app/schedules/run-schedule.js";
import { runSyncJob } from "../app/sync/run-sync-job.js";
import { syncIntegration } from "../app/sync/sync-integration.js";
import { reencryptCustomerData } from "../app/customer-data/reencrypt-customer-data.js";

/** Jobs act as the service itself: audit rows they write name "service:jobs". */
const JOB_CALLER: Caller = { kind: "service", keyId: "jobs" };

const schedule = (name: ScheduleName) => (ctx: AppContext) => runSchedule(ctx, JOB_CALLER, { name });

/**
 * Queue name → the app use case that runs its jobs. Handlers must be
 * idempotent: pg-boss can hand a job out twice (a timed-out job keeps
 * running while its retry starts).
 */
export const WORKERS: { [Q in QueueName]: (ctx: AppContext, data: JobMessages[Q]) => Promise<unknown> } = {
  "calendar-sync": (ctx, data) => runSyncJob(ctx, JOB_CALLER, data),
  "customer-data-reencrypt": async (ctx, data) => {
    await reencryptCustomerData(ctx, JOB_CALLER, data);
  },
  "outbox-delivery": async (ctx, data) => void (await deliverAggregate(ctx, data)),
  "outbox-sweep": async (ctx) => void (await sweepOutbox(ctx)),
  "integration-sync": (ctx, data) => syncIntegration(ctx, JOB_CALLER, data),
  "push-channel": (ctx, data) => runPushChannelTask(ctx, JOB_CALLER, data),
  "schedule-backstop-sync": schedule("schedule-backstop-sync"),
  "schedule-caldav-poll": schedule("schedule-caldav-poll"),
  "schedule-full-sync": schedule("schedule-full-sync"),
  "schedule-channel-renewal": schedule("schedule-channel-renewal"),
  "schedule-token-refresh": schedule("schedule-token-refresh"),
  "schedule-prune": schedule("schedule-prune"),
  "schedule-hold-reap": schedule("schedule-hold-reap"),
};

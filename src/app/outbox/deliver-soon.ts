import type { AppContext } from "../context.js";
import { deliverAggregate, type RowOutcome } from "./deliver-aggregate.js";
import { notificationAggregateOf } from "./outbox-message.js";

/** What the fast path saw delivered before its budget ran out. */
export interface FastPathResult {
  /** A calendar event was created, changed or deleted for this change. */
  calendarWritten: boolean;
  /** The customer's message was handed to the notification service. */
  customerNotified: boolean;
}

/**
 * Right after a change commits: delivers the appointment's calendar writes
 * and customer messages at once, waiting at most the configured budget. What
 * is not done by then carries on in the background and, failing that, the
 * worker finishes it (its job is queued here): a slow or absent provider
 * never fails the caller's change, nor holds it longer than the budget.
 * `lanes` leaves out a lane the change queued nothing in (a booking that
 * asked for no confirmation): no round trips for it.
 */
export async function deliverSoon(
  ctx: AppContext,
  tenantId: string,
  appointmentId: string,
  lanes: { calendar: boolean; customer: boolean } = { calendar: true, customer: true },
): Promise<FastPathResult> {
  const aggregates = [
    ...(lanes.calendar ? [appointmentId] : []),
    ...(lanes.customer ? [notificationAggregateOf(appointmentId)] : []),
  ];
  if (aggregates.length === 0) return { calendarWritten: false, customerNotified: false };
  const budgetMs = ctx.settings.fastPathBudgetMs;
  if (budgetMs <= 0) {
    for (const aggregateId of aggregates) await ctx.jobs.send("outbox-delivery", { tenantId, aggregateId });
    return { calendarWritten: false, customerNotified: false };
  }
  const done: RowOutcome[] = [];
  const deliveries = aggregates.map((aggregateId) =>
    deliverAggregate(ctx, { tenantId, aggregateId })
      .then((outcomes) => void done.push(...outcomes))
      .catch(async (error: unknown) => {
        ctx.logger.warn({ err: error, aggregateId }, "fast-path delivery failed; the worker takes over");
        await ctx.jobs.send("outbox-delivery", { tenantId, aggregateId });
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  await Promise.race([Promise.all(deliveries), budget]);
  clearTimeout(timer);
  const effect = (prefix: string) => done.some((o) => o.topic.startsWith(prefix) && o.effect);
  return { calendarWritten: effect("appointment."), customerNotified: effect("notification.") };
}

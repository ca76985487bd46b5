import type { EntityManager } from "@mikro-orm/postgresql";
import { decideRetry, type DeliveryFailure } from "../../domain/outbox/delivery-retry.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AppContext } from "../context.js";
import { REAUTHORIZATION_REQUIRED, ReauthorizationRequiredError } from "../integrations/integration-credentials.js";
import { CalendarBlocked, deliverCalendarWrite, OutboundLimitReached } from "./calendar-delivery.js";
import { NotificationRefused, NotificationUnavailable, sendCustomerNotification } from "./customer-notification.js";
import { claimHead, finishClaim, headDueAt, type ClaimedRow } from "./outbox-claims.js";
import { parseOutboxMessage } from "./outbox-message.js";

/** What one delivered row did, for the fast path's answer. */
export interface RowOutcome {
  id: string;
  topic: string;
  status: "delivered" | "skipped" | "failed" | "retrying";
  /** Calendar rows: a provider event was written. Notification rows: the message was sent. */
  effect: boolean;
}

/**
 * Delivers the aggregate's due rows one at a time, oldest first, until none
 * is due (or its head is claimed elsewhere). When rows remain for later
 * (a retry's wait, someone else's claim) a job is queued for when the head
 * is next due, so nothing waits for the sweeper.
 */
export async function deliverAggregate(
  ctx: AppContext,
  input: { tenantId: string; aggregateId: string },
): Promise<RowOutcome[]> {
  const em = ctx.orm.em.fork();
  const outcomes: RowOutcome[] = [];
  for (;;) {
    const row = await claimHead(em, input.tenantId, input.aggregateId, ctx.settings.outboxClaimMs);
    if (!row) break;
    const outcome = await deliverRow(ctx, em, row);
    outcomes.push(outcome);
    if (outcome.status === "retrying") break;
  }
  const dueAt = await headDueAt(em, input.tenantId, input.aggregateId);
  if (dueAt) await ctx.jobs.send("outbox-delivery", input, { startAfter: dueAt });
  return outcomes;
}

async function deliverRow(ctx: AppContext, em: EntityManager, row: ClaimedRow): Promise<RowOutcome> {
  const message = parseOutboxMessage(row.topic, row.payload);
  const appointmentId = message.payload.appointmentId;
  try {
    if (message.topic === "notification.customer") {
      const result = await sendCustomerNotification(ctx, message, row.tenantId, row.id);
      const status = result === "sent" ? "delivered" : "skipped";
      await finishClaim(em, row, {
        status,
        ...(result === "skipped" ? { note: "not sent: AS_CONNECTION_SERVICE_URL is not set" } : {}),
      });
      return { id: row.id, topic: row.topic, status, effect: result === "sent" };
    }
    const { written } = await deliverCalendarWrite(ctx, message, row.tenantId, row.attempts);
    await em.transactional(async (tx) => {
      if (await finishClaim(tx, row, { status: "delivered" })) await markSynced(tx, row.tenantId, appointmentId);
    });
    return { id: row.id, topic: row.topic, status: "delivered", effect: written };
  } catch (error) {
    if (error instanceof OutboundLimitReached) {
      await finishClaim(em, row, {
        status: "pending",
        retryInMs: error.retryAfterMs,
        note: error.message,
        uncount: true,
      });
      return { id: row.id, topic: row.topic, status: "retrying", effect: false };
    }
    const failure = failureOf(error);
    const decision = decideRetry(failure, row.attempts, ctx.settings.outboxRetry);
    ctx.logger.warn(
      { outboxId: row.id, topic: row.topic, attempts: row.attempts, reason: failure.reason, decision: decision.kind },
      "outbox delivery failed",
    );
    if (decision.kind === "retry") {
      await finishClaim(em, row, { status: "pending", retryInMs: decision.delayMs, note: failure.reason });
      return { id: row.id, topic: row.topic, status: "retrying", effect: false };
    }
    await em.transactional(async (tx) => {
      const finished = await finishClaim(tx, row, { status: "failed", note: decision.reason });
      if (finished && message.topic !== "notification.customer") {
        await tx.execute(
          `update appointments set sync_status = 'failed', sync_error = ? where id = ?::uuid and tenant_id = ?`,
          [decision.reason, appointmentId, row.tenantId],
          "run",
        );
      }
    });
    return { id: row.id, topic: row.topic, status: "failed", effect: false };
  }
}

/**
 * After a calendar row: synced (or not_required when no calendar receives
 * events) unless a later write of the appointment is still waiting; the
 * first target's event id is the seed's external_event_id. A job booked by
 * CreateJob keeps its own status (without a calendar copy), and its provider
 * and external_event_id name its job even once copies exist on other
 * receiving calendars: UpdateJob, CancelJob and ListJobs find the appointment
 * by them.
 */
async function markSynced(em: EntityManager, tenantId: string, appointmentId: string): Promise<void> {
  const firstEvent = `from appointment_calendar_events m join calendar_integrations i on i.id = m.integration_id
    where m.tenant_id = a.tenant_id and m.appointment_id = a.id order by m.created_at limit 1`;
  const bookedAsJob = `exists (select 1 from appointment_calendar_events m
    where m.tenant_id = a.tenant_id and m.appointment_id = a.id and m.booked_as_job)`;
  await em.execute(
    `update appointments a set
       sync_status = case
         when exists (select 1 from outbox o where o.tenant_id = a.tenant_id and o.aggregate_id = a.id::text
                        and o.status = 'pending') then 'pending'
         when not exists (select 1 from appointment_calendar_events m
                          where m.tenant_id = a.tenant_id and m.appointment_id = a.id)
           then case when a.external_event_id is null then 'not_required' else a.sync_status end
         else 'synced' end,
       sync_error = null,
       provider = case when ${bookedAsJob} then a.provider
                  else coalesce((select i.provider ${firstEvent}), a.provider) end,
       external_event_id = case when ${bookedAsJob} then a.external_event_id
                           else coalesce((select m.provider_event_id ${firstEvent}), a.external_event_id) end
     where a.id = ?::uuid and a.tenant_id = ?`,
    [appointmentId, tenantId],
    "run",
  );
}

function failureOf(error: unknown): DeliveryFailure {
  if (error instanceof ProviderError) {
    const transient = error.retryable || error.kind === "precondition_failed";
    return {
      transient,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      ...(error.kind === "precondition_failed" ? { retryAfterMs: 1_000 } : {}),
      reason: error.message,
    };
  }
  if (
    error instanceof ReauthorizationRequiredError ||
    (error instanceof CalendarBlocked && error.statusReason === REAUTHORIZATION_REQUIRED)
  ) {
    return { transient: false, reason: "the calendar's access was revoked: reconnect it" };
  }
  if (error instanceof CalendarBlocked) return { transient: false, reason: error.message };
  if (error instanceof NotificationUnavailable) {
    return {
      transient: true,
      ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}),
      reason: error.message,
    };
  }
  if (error instanceof NotificationRefused) return { transient: false, reason: error.message };
  return { transient: true, reason: error instanceof Error ? error.message : String(error) };
}

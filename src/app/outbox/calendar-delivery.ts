import type { EntityManager } from "@mikro-orm/postgresql";
import type { EventDestination, OutgoingEvent } from "../../providers/calendar/calendar-provider.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AppContext } from "../context.js";
import { accountBucketOf } from "../integrations/outbound-rate-limit.js";
import type { OutboxMessage } from "./outbox-message.js";
import { calendarTargets, recordCalendarEvent, type CalendarTarget } from "./calendar-targets.js";
import { convergeJob } from "./job-delivery.js";
import { loadAppointmentRecord, type AppointmentRecord } from "../appointments/appointment-record.js";

/** Our own limit on provider writes was reached: try again when the window ends (not a failed attempt). */
export class OutboundLimitReached extends Error {
  constructor(readonly retryAfterMs: number) {
    super("outbound provider write limit reached");
  }
}

/**
 * A calendar owed this appointment's event is connected through an integration in error: not a
 * provider's answer, and no retry mends it before the business does (reconnects, releases the guard).
 */
export class CalendarBlocked extends Error {
  constructor(
    readonly integrationId: string,
    readonly statusReason: string,
  ) {
    super(`a calendar connection needs attention (${statusReason})`);
  }
}

export interface CalendarWriteOutcome {
  /** A provider event was created, changed or deleted by this delivery (or found already so). */
  written: boolean;
}

const ACTIVE = new Set(["pending", "confirmed", "in_progress", "completed"]);

/**
 * Brings every target calendar's copy of the appointment to the
 * appointment's current state: created when missing, updated (If-Match with
 * the etag we last saw) when it changed, deleted when it was cancelled (or
 * from a technician's calendar the appointment left).
 * Each provider success is recorded at once, so a retry after a partial
 * failure only redoes what is left, and every provider call is idempotent
 * (client-chosen id / transactionId / If-None-Match), so a redo after a crash
 * between a provider's success and our record finds the first event.
 */
export async function deliverCalendarWrite(
  ctx: AppContext,
  message: Exclude<OutboxMessage, { topic: "notification.customer" }>,
  tenantId: string,
  attempts: number,
): Promise<CalendarWriteOutcome> {
  const em = ctx.orm.em.fork();
  const appointmentId = message.payload.appointmentId;
  // The customer's contact goes into the event: read through the one place that opens it.
  const appointment = await loadAppointmentRecord(ctx.customerKeys, em, appointmentId, tenantId);
  if (!appointment) return { written: false };
  let written = false;
  let blocked: CalendarBlocked | undefined;
  for (const target of await calendarTargets(em, tenantId, appointmentId)) {
    // Skipped, the appointment would read "not required" (or synced) while a calendar still waits for it.
    // A cancelled appointment owes a blocked calendar nothing unless an event of it is there.
    const owed = ACTIVE.has(appointment.status) || (target.event !== undefined && !target.event.deleted);
    if (target.blockedBy !== undefined && owed) blocked ??= new CalendarBlocked(target.integrationId, target.blockedBy);
    if (!target.writable || isWhereMade(message, target)) continue;
    // A field-service schedule receives bookings as jobs (job-delivery.ts).
    const delivered = ctx.providers.find(target.provider)?.capabilities.fieldServiceJobs
      ? await convergeJob(ctx, em, appointment, target, message.topic)
      : await converge(ctx, em, appointment, target, message.topic, attempts);
    written = delivered || written;
  }
  // After the healthy targets: each success is recorded, so the retry redoes only the blocked ones.
  if (blocked) throw blocked;
  return { written };
}

/** The calendar a change was made in has it: not written back. */
function isWhereMade(message: OutboxMessage, target: CalendarTarget): boolean {
  return message.topic === "appointment.updated" && message.payload.appliedInCalendarId === target.calendarId;
}

async function converge(
  ctx: AppContext,
  em: EntityManager,
  appointment: AppointmentRecord,
  target: CalendarTarget,
  topic: OutboxMessage["topic"],
  attempts: number,
): Promise<boolean> {
  const record = (event: { providerEventId: string; etag?: string | undefined; deleted?: boolean }) =>
    recordCalendarEvent(em, appointment.tenantId, appointment.id, target, event);
  const event = outgoingEventOf(appointment, target);
  const existing = target.event;

  // Cancelled, or gone to another technician whose calendar this is not.
  if (!ACTIVE.has(appointment.status) || target.released) {
    if (existing && !existing.deleted) {
      await write(ctx, target, (d, c) => d.deleteEvent(c, target.providerCalendarId, existing.providerEventId));
      await record({ providerEventId: existing.providerEventId, deleted: true });
      return true;
    }
    // A create attempt that died after the provider's success left an event we never recorded:
    // repeating the idempotent create finds it, and then it goes.
    if (!existing && topic === "appointment.created" && attempts > 1) {
      const found = await write(ctx, target, (d, c) => d.createEvent(c, target.providerCalendarId, event));
      await write(ctx, target, (d, c) => d.deleteEvent(c, target.providerCalendarId, found.providerEventId));
      await record({ providerEventId: found.providerEventId, deleted: true });
      return true;
    }
    return false;
  }
  if (!existing) {
    const created = await write(ctx, target, (d, c) => d.createEvent(c, target.providerCalendarId, event));
    await record(created);
    return true;
  }
  if (existing.deleted || topic === "appointment.created") return false;
  try {
    const updated = await write(ctx, target, (d, c) =>
      d.updateEvent(c, target.providerCalendarId, existing.providerEventId, event, existing.etag ?? undefined),
    );
    await record(updated);
    return true;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    // Deleted in the calendar: the sync brings that back as a cancellation; never re-create it here.
    if (error.kind === "not_found") {
      await record({ providerEventId: existing.providerEventId, deleted: true });
      return false;
    }
    // Changed in the calendar since we last wrote it: forget the etag, so the retry (after the
    // sync has had its chance to bring the change back) writes our current state.
    if (error.kind === "precondition_failed") await record({ providerEventId: existing.providerEventId });
    throw error;
  }
}

/**
 * One provider write through the integration's credentials, within the account's budget
 * (the same OutboundRateLimiter buckets every instance shares). tryTake, not take: an
 * exhausted budget reschedules the outbox row (OutboundLimitReached) instead of holding
 * its claim and a worker while waiting, so one busy account never stalls other tenants.
 */
async function write<T>(
  ctx: AppContext,
  target: CalendarTarget,
  call: (destination: EventDestination, credentials: Parameters<EventDestination["deleteEvent"]>[0]) => Promise<T>,
): Promise<T> {
  const writesPerSecond = ctx.settings.outboundWritesPerSecond[target.provider];
  if (writesPerSecond !== undefined) {
    const bucket = accountBucketOf(target.provider, target.accountEmail);
    const taken = await ctx.outboundRateLimit.tryTake(bucket, { requests: writesPerSecond, perMs: 1_000 });
    if (!taken.granted) throw new OutboundLimitReached(taken.waitMs);
  }
  return ctx.credentials.use(target.integrationId, (credentials, provider) => {
    const destination = provider.capabilities.events;
    if (!destination) throw new Error(`${provider.name} cannot receive events`);
    return call(destination, credentials);
  });
}

function outgoingEventOf(appointment: AppointmentRecord, target: CalendarTarget): OutgoingEvent {
  return {
    appointmentId: appointment.id,
    title: appointment.title,
    ...(appointment.description ? { description: appointment.description } : {}),
    ...(appointment.address ? { location: appointment.address } : {}),
    start: appointment.startTime,
    end: appointment.endTime,
    timeZone: target.timeZone ?? "UTC",
    customer: {
      name: appointment.customerName,
      phone: appointment.customerPhone,
      ...(appointment.customerEmail ? { email: appointment.customerEmail } : {}),
    },
  };
}

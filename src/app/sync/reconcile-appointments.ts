import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Caller } from "../../domain/caller.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import type { IntegrationCalendar } from "../../entities/integration-calendar.js";
import type { ProviderEvent, SyncWindow } from "../../providers/calendar/calendar-provider.js";
import { resealCustomerData } from "../appointments/appointment-record.js";
import { conflictsClearingStaleHolds, laneOf } from "../appointments/booking-conflicts.js";
import { findAppointment } from "../appointments/find-appointment.js";
import type { AppContext } from "../context.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import {
  appointmentCancelled,
  appointmentUpdated,
  customerNotification,
  notificationAggregateOf,
} from "../outbox/outbox-message.js";
import { recordAudit } from "../shared/audit.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";

/** The status reason of an integration whose sync tripped the mass-delete guard (UpdateSyncSettings releases it). */
export const MASS_DELETE_GUARD_REASON = "mass-delete guard";
export const CANCELLED_IN_CALENDAR = "cancelled in calendar";

/** What a sync saw of one calendar: events as they are now, and ids that are gone. */
export interface CalendarChanges {
  upserts: ProviderEvent[];
  deletedIds: string[];
  /** A full listing: mapped events missing from it are gone too. */
  complete: boolean;
  /** When the listing was asked for: our own writes after it are not judged by it. */
  listedAt: Date;
}

interface MappedEvent {
  appointment_id: string;
  provider_event_id: string;
  etag: string | null;
  updated_at: Date;
  start_time: Date;
  end_time: Date;
  status: string;
}

const SYNC_CALLER: Caller = { kind: "service", keyId: "calendar-sync" };
const ACTIVE = new Set(["pending", "confirmed"]);

/**
 * Brings back what the business did to our events in its calendar: a moved
 * event moves its appointment (unless the new time conflicts: then the
 * appointment keeps its time and is flagged), a deleted or cancelled one
 * cancels it ("cancelled in calendar"); either reaches the appointment's
 * other calendars and platforms through the outbox, as a change made through
 * the API would (except to the calendar it came from, which has it). Changes we wrote ourselves (same
 * etag, or written after the listing) are not changes. A sync that would
 * cancel more than the configured share of the tenant's future appointments
 * cancels nothing: the integration goes to error and waits for a human.
 */
export async function reconcileAppointments(
  ctx: AppContext,
  integration: CalendarIntegration,
  calendar: IntegrationCalendar,
  changes: CalendarChanges,
  window: SyncWindow,
): Promise<{ moved: number; flagged: number; cancelled: number }> {
  const counts = { moved: 0, flagged: 0, cancelled: 0 };
  if (!integration.syncEnabled || integration.syncDirection === "to_provider") return counts;
  if (integration.status === "error" && integration.statusReason?.startsWith(MASS_DELETE_GUARD_REASON)) return counts;
  const em = ctx.orm.em.fork();
  const mapped = await em.execute<MappedEvent[]>(
    `select m.appointment_id::text as appointment_id, m.provider_event_id, m.etag, m.updated_at,
            a.start_time, a.end_time, a.status
     from appointment_calendar_events m join appointments a on a.id = m.appointment_id
     where m.tenant_id = ? and m.calendar_id = ?::uuid and m.deleted_at is null and a.status in ('pending', 'confirmed')`,
    [integration.tenantId, calendar.id],
  );
  if (mapped.length === 0) return counts;
  const byEventId = new Map(mapped.map((m) => [m.provider_event_id, m]));
  const judged = (m: MappedEvent) => new Date(m.updated_at) < changes.listedAt;

  const gone = new Set<string>();
  for (const id of changes.deletedIds) if (byEventId.has(id)) gone.add(id);
  for (const event of changes.upserts)
    if (event.status === "cancelled" && byEventId.has(event.providerEventId)) gone.add(event.providerEventId);
  if (changes.complete) {
    const listed = new Set(changes.upserts.map((e) => e.providerEventId));
    for (const m of mapped) {
      const inWindow = new Date(m.start_time) < window.end && new Date(m.end_time) > window.start;
      if (inWindow && !listed.has(m.provider_event_id)) gone.add(m.provider_event_id);
    }
  }
  const cancellations = [...gone].map((id) => byEventId.get(id)!).filter(judged);

  if (cancellations.length >= ctx.settings.massDeleteMinimum) {
    const future = await em.count(AppointmentSchema, {
      tenantId: integration.tenantId,
      status: { $in: [...ACTIVE] },
      startTime: { $gt: ctx.clock.now() },
    });
    if (cancellations.length > ctx.settings.massDeleteShare * future) {
      const reason = `${MASS_DELETE_GUARD_REASON}: the calendar would cancel ${cancellations.length} of ${future} future appointments at once; nothing was cancelled. Check the calendar, then turn sync on again`;
      await em.nativeUpdate(
        CalendarIntegrationSchema,
        { id: integration.id },
        { status: "error", statusReason: reason, updatedAt: ctx.clock.now() },
      );
      ctx.logger.warn(
        { integrationId: integration.id, count: cancellations.length, future },
        "mass-delete guard tripped",
      );
      return counts;
    }
  }
  const deliver = (appointmentId: string) =>
    ctx.jobs.send("outbox-delivery", { tenantId: integration.tenantId, aggregateId: appointmentId });
  for (const m of cancellations) {
    if (!(await cancelInCalendar(ctx, integration, calendar, m))) continue;
    counts.cancelled++;
    await deliver(m.appointment_id);
  }
  for (const event of changes.upserts) {
    const m = byEventId.get(event.providerEventId);
    if (!m || gone.has(event.providerEventId) || !judged(m) || event.allDay) continue;
    if (m.etag && event.etag === m.etag) continue;
    if (
      event.start.getTime() === new Date(m.start_time).getTime() &&
      event.end.getTime() === new Date(m.end_time).getTime()
    ) {
      await rememberEtag(em, integration.tenantId, calendar.id, m.appointment_id, event.etag);
      continue;
    }
    const outcome = await moveFromCalendar(ctx, integration, calendar, m, event);
    if (outcome === "moved") {
      counts.moved++;
      await deliver(m.appointment_id);
      await deliver(notificationAggregateOf(m.appointment_id));
    }
    if (outcome === "flagged") counts.flagged++;
  }
  return counts;
}

async function rememberEtag(
  em: EntityManager,
  tenantId: string,
  calendarId: string,
  appointmentId: string,
  etag: string | undefined,
): Promise<void> {
  await em.execute(
    `update appointment_calendar_events set etag = ?, updated_at = now()
     where tenant_id = ? and calendar_id = ?::uuid and appointment_id = ?::uuid`,
    [etag ?? null, tenantId, calendarId, appointmentId],
    "run",
  );
}

async function cancelInCalendar(
  ctx: AppContext,
  integration: CalendarIntegration,
  calendar: IntegrationCalendar,
  m: MappedEvent,
): Promise<boolean> {
  return ctx.orm.em.fork().transactional(async (em) => {
    const appointment = await findAppointment(em, m.appointment_id, integration.tenantId, { forUpdate: true });
    if (!ACTIVE.has(appointment.status)) return false;
    const now = ctx.clock.now();
    // The notes join the sealed customer data; where that is erased or unreadable the cancellation goes without them.
    const notes = await resealCustomerData(
      ctx.customerKeys,
      appointment,
      { cancellationNotes: `deleted in the ${integration.provider} calendar "${calendar.name}"` },
      em,
    );
    Object.assign(appointment, notes.sealed ?? {}, {
      status: "cancelled",
      cancellationReason: CANCELLED_IN_CALENDAR,
      cancelledAt: now,
      cancelledBy: `calendar:${integration.provider}`,
      version: appointment.version + 1,
      updatedAt: now,
      syncStatus: "synced",
    });
    await em.execute(
      `update appointment_calendar_events set deleted_at = now(), updated_at = now()
       where tenant_id = ? and calendar_id = ?::uuid and appointment_id = ?::uuid`,
      [integration.tenantId, calendar.id, m.appointment_id],
      "run",
    );
    enqueueOutbox(em, integration.tenantId, appointmentCancelled(appointment.id, false, CANCELLED_IN_CALENDAR));
    recordAudit(em, {
      tenantId: integration.tenantId,
      caller: SYNC_CALLER,
      action: "appointment.cancelled",
      entityType: "appointment",
      entityId: appointment.id,
      changes: { status: "cancelled", reason: CANCELLED_IN_CALENDAR, provider: integration.provider },
    });
    return true;
  });
}

async function moveFromCalendar(
  ctx: AppContext,
  integration: CalendarIntegration,
  calendar: IntegrationCalendar,
  m: MappedEvent,
  event: ProviderEvent,
): Promise<"moved" | "flagged" | "none"> {
  const window = { start: event.start, end: event.end };
  const flag = async (appointment: Appointment, what: string) => {
    const em = ctx.orm.em.fork();
    await em.nativeUpdate(
      AppointmentSchema,
      { id: appointment.id },
      {
        calendarConflict: `moved in the ${integration.provider} calendar "${calendar.name}" to ${event.start.toISOString()}–${event.end.toISOString()}, which conflicts with ${what}; the appointment kept its time`,
        updatedAt: ctx.clock.now(),
      },
    );
    await rememberEtag(em, integration.tenantId, calendar.id, m.appointment_id, event.etag);
    return "flagged" as const;
  };
  let current: Appointment | undefined;
  // Flagged after the transaction: flag() writes through its own connection, which would wait on our row lock.
  let blockedBy: string | undefined;
  try {
    const outcome = await ctx.orm.em.fork().transactional(async (em) => {
      const appointment = await findAppointment(em, m.appointment_id, integration.tenantId, { forUpdate: true });
      if (!ACTIVE.has(appointment.status)) return "none" as const;
      current = appointment;
      await lockTenantSchedule(em, integration.tenantId, "booking");
      const blocking = (
        await conflictsClearingStaleHolds(
          unitOfWorkSql(em),
          ctx.clock,
          integration.tenantId,
          window,
          laneOf(appointment),
        )
      ).filter((p) => p.kind !== "appointment");
      if (blocking.length > 0) {
        blockedBy = blocking.map((p) => `${p.kind} ${p.id}`).join(", ");
        return "none" as const;
      }
      const now = ctx.clock.now();
      Object.assign(appointment, {
        startTime: event.start,
        endTime: event.end,
        version: appointment.version + 1,
        updatedAt: now,
        calendarConflict: null,
      });
      enqueueOutbox(
        em,
        integration.tenantId,
        appointmentUpdated(appointment.id, ["startTime", "endTime"], true, calendar.id),
      );
      enqueueOutbox(em, integration.tenantId, customerNotification(appointment.id, "change"));
      recordAudit(em, {
        tenantId: integration.tenantId,
        caller: SYNC_CALLER,
        action: "appointment.updated",
        entityType: "appointment",
        entityId: appointment.id,
        changes: {
          startTime: event.start.toISOString(),
          endTime: event.end.toISOString(),
          source: integration.provider,
        },
      });
      await em.flush();
      await rememberEtag(em, integration.tenantId, calendar.id, m.appointment_id, event.etag);
      return "moved" as const;
    });
    return blockedBy && current ? await flag(current, blockedBy) : outcome;
  } catch (error) {
    // The exclusion constraint refused the move: another appointment holds that time.
    if ((error as { code?: unknown }).code === "23P01" && current) return flag(current, "another appointment");
    throw error;
  }
}

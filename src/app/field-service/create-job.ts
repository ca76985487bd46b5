import type { Caller } from "../../domain/caller.js";
import { AbortedError } from "../../domain/errors.js";
import { validateNewAppointment } from "../../domain/appointments/new-appointment.js";
import { AppointmentSchema } from "../../entities/appointment.js";
import type { Job, Technician } from "../../providers/field-service/field-service-provider.js";
import { Lanes } from "../../domain/technicians/lanes.js";
import {
  conflictsClearingStaleHolds,
  explainRefusal,
  type BookingConflicts,
  type BookingLane,
} from "../appointments/booking-conflicts.js";
import { reviveBookingResult } from "../appointments/booking-result-json.js";
import { cancelAppointment } from "../appointments/cancel-appointment.js";
import { appointmentFromRow, type AppointmentRow } from "../appointments/appointment-row.js";
import { BOOK_UNLESS_BUSY, bookingValues } from "../appointments/insert-appointment.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import {
  claimIdempotencyKey,
  hashRequest,
  saveIdempotentResponse,
  validateIdempotencyKey,
} from "../shared/idempotency.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";
import { loadTechnicians } from "../technicians/technician-rows.js";
import { recordCalendarEvent, type CalendarTarget } from "../outbox/calendar-targets.js";
import { deliverSoon } from "../outbox/deliver-soon.js";
import { customerLockKeys } from "../shared/customer-lock.js";
import {
  callFieldService,
  fieldServiceTargetOf,
  platformScheduleOf,
  type FieldServiceTarget,
} from "./field-service-integration.js";
import { scheduledWorkIdOf } from "./scheduled-work-id.js";
import { crewInstructions, endOf, jobText, requireCustomer, type JobUrgency } from "./job-request-fields.js";

export interface CreateJobInput {
  tenantId: string;
  provider: string;
  idempotencyKey: string;
  customer: { name: string; phone: string; email: string; address: string };
  title: string;
  description: string;
  notes: string;
  start?: Date;
  end?: Date;
  durationMinutes?: number;
  estimatedValue: string;
  jobType: string;
  urgency?: JobUrgency;
  leadId: string;
  conversationId: string;
  technicianId: string;
}

export type CreateJobResult =
  | {
      created: true;
      job: Job;
      appointmentId: string;
      scheduledTechnician?: Technician;
      /** We ask the platforms not to notify anyone; nothing is sent. */
      confirmationSent: false;
      /** No invoice is created with the job. */
      invoiceCreated: false;
    }
  | ({ created: false } & BookingConflicts);

const IDEMPOTENCY_SCOPE = "field_service_job.create";

/**
 * Books the time first, then creates the job: the job's appointment is
 * inserted under the same no-overlap rules as any booking (a conflicting
 * time refuses the job before the platform is called), in the lane of the
 * tenant's technician linked to technician_id (jobLaneOf), else
 * business-wide; then the platform
 * finds or creates the customer (holding its locks: parallel jobs for one new
 * caller make one customer), creates the job with its visit/schedule and
 * puts the technician on it. If the platform fails, the appointment is
 * cancelled and the idempotency key released, so a retry can run again.
 * With a key, a retry returns the first answer; a retry racing the first
 * call is aborted (retry later) rather than creating a second job.
 */
export async function createJob(ctx: AppContext, caller: Caller, input: CreateJobInput): Promise<CreateJobResult> {
  const customer = requireCustomer(input.customer);
  const title = jobText.title(input.title);
  const description = jobText.description(input.description);
  const notes = jobText.notes(input.notes);
  const jobType = jobText.jobType(input.jobType);
  const leadId = jobText.leadId(input.leadId);
  const conversationId = jobText.conversationId(input.conversationId);
  const technicianId = jobText.technicianId(input.technicianId);
  const estimatedValue = jobText.estimatedValue(input.estimatedValue);
  const end = endOf(input.start, input.end, input.durationMinutes);
  const booking = validateNewAppointment(
    {
      customerName: customer.name,
      customerPhone: customer.phone ?? "",
      customerEmail: customer.email ?? "",
      title,
      description: description ?? "",
      jobType: jobType ?? "",
      start: input.start,
      end,
      address: customer.address ?? "",
      estimatedCost: estimatedValue ?? "",
      notes: notes ?? "",
      status: "confirmed",
      notifyCustomer: false,
      customerId: "",
      leadId: leadId ?? "",
      conversationId: conversationId ?? "",
      // The appointment knows no "low": a low-urgency job books as normal.
      urgency: input.urgency === "high" || input.urgency === "emergency" ? input.urgency : "normal",
      timezone: "",
    },
    ctx.clock.now(),
  );
  const key = validateIdempotencyKey(input.idempotencyKey);
  const target = await fieldServiceTargetOf(ctx, input.tenantId, input.provider);
  const { tenantId } = input;
  const window = { start: booking.start, end: booking.end };

  if (key) {
    const request = { ...input, customer, start: booking.start, end: booking.end };
    const claim = await ctx.orm.em
      .fork()
      .transactional((tx) =>
        claimIdempotencyKey(
          unitOfWorkSql(tx),
          ctx.customerKeys,
          tenantId,
          IDEMPOTENCY_SCOPE,
          key,
          hashRequest(request),
        ),
      );
    if (claim.kind === "replay") {
      if (claim.response === null || claim.response === undefined)
        throw new AbortedError("a job with this idempotency_key is still being created: retry shortly");
      return reviveBookingResult(claim.response) as CreateJobResult;
    }
  }
  const finish = async (result: CreateJobResult): Promise<CreateJobResult> => {
    const resourceId = result.created ? result.appointmentId : null;
    if (key)
      await saveIdempotentResponse(ctx.sql, ctx.customerKeys, tenantId, IDEMPOTENCY_SCOPE, key, result, resourceId);
    return result;
  };
  const releaseKey = async () => {
    if (!key) return;
    await ctx.orm.em
      .fork()
      .execute(`delete from idempotency_records where tenant_id = ? and scope = ? and key = ?`, [
        tenantId,
        IDEMPOTENCY_SCOPE,
        key,
      ]);
  };

  // Sealed before the transaction; the tenant's first key is made on first use, outside it.
  const dataKey = await ctx.customerKeys.current(tenantId);
  const lane = technicianId ? await jobLaneOf(ctx, tenantId, input.provider, technicianId) : {};
  let booked:
    | { kind: "refused"; refusal: BookingConflicts }
    | { kind: "booked"; appointmentId: string; owesCalendarEvents: boolean };
  try {
    booked = await ctx.orm.em.fork().transactional(async (tx): Promise<typeof booked> => {
      await lockTenantSchedule(tx, tenantId, "booking");
      const sql = unitOfWorkSql(tx);
      const blocking = await conflictsClearingStaleHolds(sql, ctx.clock, tenantId, window, lane);
      const placement = { now: ctx.clock.now(), ...(lane.technicianId ? { technicianId: lane.technicianId } : {}) };
      // The busy judgement above found no calendar time in the way, so the booking statement lets mirrored rows through.
      const [row] =
        blocking.length === 0
          ? await sql.rows<Partial<AppointmentRow>>(
              BOOK_UNLESS_BUSY,
              bookingValues(tenantId, caller, booking, undefined, dataKey, placement)(true),
            )
          : [];
      const appointment = row?.id ? appointmentFromRow(row as AppointmentRow) : undefined;
      if (!appointment) {
        return { kind: "refused", refusal: await explainRefusal(sql, ctx.clock, tenantId, window, lane) };
      }
      await tx.nativeUpdate(
        AppointmentSchema,
        { id: appointment.id },
        { provider: input.provider, syncStatus: "pending" },
      );
      return {
        kind: "booked",
        appointmentId: appointment.id,
        owesCalendarEvents: appointment.syncStatus === "pending",
      };
    });
  } catch (error) {
    await releaseKey();
    throw error;
  }
  if (booked.kind === "refused") return finish({ created: false, ...booked.refusal });
  const appointmentId = booked.appointmentId;

  const newJob = {
    customer,
    title,
    ...withValue("description", crewInstructions({ description, notes, jobType, urgency: input.urgency })),
    start: booking.start,
    end: booking.end,
    timeZone: target.timeZone,
    ...withValue("technicianId", technicianId ?? undefined),
    ...withValue("estimatedValue", estimatedValue ?? undefined),
  };
  // Once the platform has the job (Jobber: jobCreate answered, visitCreate not yet), a retry completes
  // that job rather than creating a second one.
  let createdJobId: string | undefined;
  let job: Job;
  try {
    job = await ctx.jobs.exclusive(customerLockKeys(target.integration.id, customer), () =>
      callFieldService(ctx, target, (jobs, credentials) =>
        createdJobId
          ? jobs.completeJob(credentials, createdJobId, newJob)
          : jobs.createJob(credentials, newJob, async (jobId) => void (createdJobId = jobId)),
      ),
    );
  } catch (error) {
    // The booking is withdrawn below, so a job begun for it must not stay open on the platform.
    if (createdJobId) {
      const orphan = createdJobId;
      await callFieldService(ctx, target, (jobs, credentials) => jobs.cancelJob(credentials, orphan)).catch(
        (cancelError: unknown) =>
          ctx.logger.warn({ err: cancelError, jobId: orphan }, "could not cancel a job left without its schedule"),
      );
    }
    await cancelAppointment(ctx, caller, {
      id: appointmentId,
      tenantFilter: undefined,
      reason: `the ${input.provider} job could not be created`,
      notes: "",
      notifyCustomer: false,
    });
    await ctx.orm.em
      .fork()
      .nativeUpdate(
        AppointmentSchema,
        { id: appointmentId },
        { syncStatus: "failed", syncError: String((error as Error).message ?? error) },
      );
    await releaseKey();
    throw error;
  }

  const workOnSchedule = await recordableWorkOf(ctx, target, job, window);
  await ctx.orm.em.fork().transactional(async (tx) => {
    await tx.nativeUpdate(
      AppointmentSchema,
      { id: appointmentId },
      {
        provider: input.provider,
        externalEventId: job.id,
        // Synced once the job exists, unless copies for other receiving calendars still wait (the delivery says when).
        syncStatus: booked.owesCalendarEvents ? "pending" : "synced",
        updatedAt: ctx.clock.now(),
      },
    );
    if (workOnSchedule) {
      await recordCalendarEvent(tx, tenantId, appointmentId, workOnSchedule.schedule, {
        providerEventId: workOnSchedule.eventId,
        bookedAsJob: true,
      });
    }
    recordAudit(tx, {
      tenantId,
      caller,
      action: "field_service_job.created",
      entityType: "appointment",
      entityId: appointmentId,
      changes: {
        provider: input.provider,
        jobId: job.id,
        leadId,
        conversationId,
        jobType,
        urgency: input.urgency ?? null,
        technicianId,
      },
    });
  });
  // The booking queued its event for the tenant's other receiving calendars: written now, not at the next sweep.
  if (booked.owesCalendarEvents) await deliverSoon(ctx, tenantId, appointmentId, { calendar: true, customer: false });
  const scheduledTechnician = job.technicians.find((t) => t.id === technicianId) ?? job.technicians[0];
  return finish({
    created: true,
    job,
    appointmentId: appointmentId,
    ...(scheduledTechnician ? { scheduledTechnician } : {}),
    confirmationSent: false,
    invoiceCreated: false,
  });
}

/**
 * The job's work as the platform's schedule lists it, to be recorded as the
 * appointment's event there (as a delivered job is): the sync then brings a
 * reschedule or removal made on the platform back to the appointment, and
 * never counts the job as busy time beside it. Best effort: without it (the
 * listing failed) the job is still booked, only not followed.
 */
async function recordableWorkOf(
  ctx: AppContext,
  target: FieldServiceTarget,
  job: Job,
  scheduled: { start: Date; end: Date },
): Promise<{ schedule: CalendarRef; eventId: string } | undefined> {
  const calendar = await platformScheduleOf(ctx.orm.em.fork(), target.integration.id);
  if (!calendar) return undefined;
  try {
    const eventId = await callFieldService(ctx, target, (jobs, credentials) =>
      scheduledWorkIdOf(jobs, credentials, job, scheduled),
    );
    const schedule = {
      calendarId: calendar.id,
      integrationId: target.integration.id,
      providerCalendarId: calendar.providerCalendarId,
    };
    return { schedule, eventId };
  } catch (error) {
    ctx.logger.warn({ err: error, jobId: job.id }, "the job's scheduled work could not be listed; it is not followed");
    return undefined;
  }
}

/**
 * The lane of a job given to technician_id (a Jobber user / HouseCall Pro
 * employee id): the tenant's one technician linked to it, so two technicians
 * can have jobs at the same time. No technician linked, or several (which one
 * would be busy is unknown): business-wide, which blocks every technician.
 */
async function jobLaneOf(ctx: AppContext, tenantId: string, provider: string, crewId: string): Promise<BookingLane> {
  const linked = new Lanes(await loadTechnicians(ctx.sql, tenantId)).techniciansOfCrew(provider, crewId);
  return linked.length === 1 ? { technicianId: linked[0]! } : {};
}

type CalendarRef = Pick<CalendarTarget, "calendarId" | "integrationId" | "providerCalendarId">;

function withValue<K extends string, V>(key: K, value: V | undefined | null): Partial<Record<K, V>> {
  return value === undefined || value === null ? {} : ({ [key]: value } as Record<K, V>);
}

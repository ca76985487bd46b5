import type { EntityManager } from "@mikro-orm/postgresql";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { requireNotInPast, requireText, requireTimeRange } from "../../domain/validation.js";
import { Lanes } from "../../domain/technicians/lanes.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import { isBusyEventOfJob } from "../../providers/field-service/field-service-busy-time.js";
import type { Job, JobChanges } from "../../providers/field-service/field-service-provider.js";
import {
  conflictsClearingStaleHolds,
  explainRefusal,
  laneOf,
  type BookingConflicts,
  type BookingLane,
} from "../appointments/booking-conflicts.js";
import type { AppContext } from "../context.js";
import { deliverSoon } from "../outbox/deliver-soon.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import { appointmentUpdated } from "../outbox/outbox-message.js";
import { recordAudit } from "../shared/audit.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";
import { loadTechnicians } from "../technicians/technician-rows.js";
import { callFieldService, fieldServiceTargetOf, platformScheduleOf } from "./field-service-integration.js";
import { appointmentOfJob } from "./job-appointments.js";
import { crewInstructions, jobText } from "./job-request-fields.js";

export interface UpdateJobInput {
  tenantId: string;
  provider: string;
  jobId: string;
  title?: string;
  description?: string;
  notes?: string;
  start?: Date;
  end?: Date;
  durationMinutes?: number;
  technicianId?: string;
}

export type UpdateJobResult =
  | { updated: true; job: Job; changes: string[]; notificationsSent: false; appointmentId?: string }
  | ({ updated: false; job: Job } & BookingConflicts);

/** SQLSTATE exclusion_violation: the moved appointment would overlap another. */
const isOverlap = (error: unknown) => (error as { code?: unknown }).code === "23P01";

/**
 * Partial update of a job. A reschedule is checked like a move of its
 * appointment (blocks, calendar time, other appointments; the job's own
 * mirrored busy time does not count) and the appointment is moved before the
 * platform is called, so the time is held; if the platform refuses, the
 * appointment goes back. A technician is added to the crew (read, merge,
 * write: the platforms replace the whole list), and the appointment goes to
 * the lane of its crew (laneWithCrewMember), checked and held the same way,
 * so the time is busy for whoever now does the job. The tenant's other
 * receiving calendars get the change through the outbox. `changes` names
 * what differs on the platform afterwards.
 */
export async function updateJob(ctx: AppContext, caller: Caller, input: UpdateJobInput): Promise<UpdateJobResult> {
  const jobId = requireText("job_id", input.jobId, 255);
  const title = input.title === undefined ? undefined : jobText.title(input.title);
  const description = input.description === undefined ? undefined : jobText.description(input.description);
  const notes = input.notes === undefined ? undefined : jobText.notes(input.notes);
  const technicianId = input.technicianId === undefined ? undefined : jobText.technicianId(input.technicianId);
  if (input.technicianId !== undefined && !technicianId) throw new InvalidArgumentError("technician_id", "empty");
  if (input.durationMinutes !== undefined && !input.start)
    throw new InvalidArgumentError("scheduled_start", "required with estimated_duration_minutes");
  if (input.end && !input.start) throw new InvalidArgumentError("scheduled_start", "required with end_time");
  const target = await fieldServiceTargetOf(ctx, input.tenantId, input.provider);
  const before = await callFieldService(ctx, target, (jobs, credentials) => jobs.getJob(credentials, jobId));
  const appointment = await appointmentOfJob(ctx.orm.em.fork(), input.tenantId, input.provider, jobId);

  let schedule: { start: Date; end: Date } | undefined;
  if (input.start) {
    const lengthMs =
      input.durationMinutes !== undefined
        ? durationMs(input.durationMinutes)
        : before.start && before.end
          ? before.end.getTime() - before.start.getTime()
          : appointment
            ? appointment.endTime.getTime() - appointment.startTime.getTime()
            : undefined;
    const end = input.end ?? (lengthMs ? new Date(input.start.getTime() + lengthMs) : undefined);
    schedule = requireTimeRange(input.start, end);
    requireNotInPast("scheduled_start", schedule.start, ctx.clock.now());
  }
  const lane = appointment ? await laneWithCrewMember(ctx, input.provider, appointment, before, technicianId) : {};
  const reassigned = appointment !== undefined && (lane.technicianId ?? null) !== (appointment.technicianId ?? null);
  if (schedule || reassigned) {
    const window = schedule ?? { start: appointment!.startTime, end: appointment!.endTime };
    const refusal = await holdPlacement(ctx, input.tenantId, input.provider, jobId, lane, window);
    if (refusal) return { updated: false, job: before, ...refusal };
  }

  const changes: JobChanges = {};
  if (title !== undefined) changes.title = title;
  if (description !== undefined || notes !== undefined) {
    changes.description = crewInstructions({ description, notes }) ?? "";
  }
  if (schedule) changes.schedule = { ...schedule, timeZone: target.timeZone };
  if (technicianId) changes.technicianId = technicianId;

  let after: Job;
  try {
    after = await callFieldService(ctx, target, (jobs, credentials) => jobs.updateJob(credentials, jobId, changes));
  } catch (error) {
    if ((schedule || reassigned) && appointment) {
      await ctx.orm.em.fork().nativeUpdate(
        AppointmentSchema,
        { id: appointment.id },
        {
          startTime: appointment.startTime,
          endTime: appointment.endTime,
          technicianId: appointment.technicianId ?? null,
        },
      );
    }
    throw error;
  }
  const changed = changesBetween(before, after, { title, description, notes });
  const fields = [
    ...(schedule ? ["startTime", "endTime"] : []),
    ...(title !== undefined ? ["title"] : []),
    ...(description !== undefined ? ["description"] : []),
    ...(notes !== undefined ? ["notes"] : []),
    ...(reassigned ? ["technicianId"] : []),
  ];
  if (appointment) {
    await ctx.orm.em.fork().transactional(async (tx) => {
      // The job's own platform has the change; the tenant's other receiving calendars get it from the outbox.
      if (fields.length > 0) {
        const platformSchedule = await platformScheduleOf(tx, target.integration.id);
        const change = appointmentUpdated(appointment.id, fields, !!schedule, platformSchedule?.id);
        enqueueOutbox(tx, input.tenantId, change);
      }
      // The crew member the job now has for the appointment's technician (none when business-wide) is the one
      // a later reassignment takes off; whoever else is on the crew stays, and the delivery that follows
      // takes nobody off.
      if (reassigned) {
        await tx.execute(
          `update appointment_calendar_events m
           set crew_member_id = (
                 select case ? when 'jobber' then t.jobber_user_id when 'housecall_pro' then t.housecall_pro_employee_id end
                 from technicians t where t.tenant_id = m.tenant_id and t.id = ?::uuid),
               updated_at = now()
           where m.tenant_id = ? and m.appointment_id = ?::uuid and m.integration_id = ?::uuid`,
          [input.provider, lane.technicianId ?? null, input.tenantId, appointment.id, target.integration.id],
          "run",
        );
      }
      await tx.nativeUpdate(
        AppointmentSchema,
        { id: appointment.id },
        {
          ...(title !== undefined ? { title } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(notes !== undefined ? { notes } : {}),
          version: appointment.version + 1,
          updatedAt: ctx.clock.now(),
        },
      );
      recordAudit(tx, {
        tenantId: input.tenantId,
        caller,
        action: "field_service_job.updated",
        entityType: "appointment",
        entityId: appointment.id,
        changes: { provider: input.provider, jobId, changes: changed },
      });
    });
  }
  if (appointment && fields.length > 0) {
    await deliverSoon(ctx, input.tenantId, appointment.id, { calendar: true, customer: false });
  }
  return {
    updated: true,
    job: after,
    changes: changed,
    notificationsSent: false,
    ...(appointment ? { appointmentId: appointment.id } : {}),
  };
}

function durationMs(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
    throw new InvalidArgumentError("estimated_duration_minutes", "must be from 1 to 1440");
  return minutes * 60_000;
}

/**
 * The lane of the job's appointment once crewMemberId (a Jobber user /
 * HouseCall Pro employee) joins the job: the one technician of ours among the
 * appointment's own and those linked to the crew, else business-wide (with
 * several, whichever does the work, all of them are busy; with none, as
 * CreateJob books a crew member no technician is linked to).
 */
async function laneWithCrewMember(
  ctx: AppContext,
  provider: string,
  appointment: Appointment,
  job: Job,
  crewMemberId: string | null | undefined,
): Promise<BookingLane> {
  if (!crewMemberId) return laneOf(appointment);
  const lanes = new Lanes(await loadTechnicians(ctx.sql, appointment.tenantId));
  const crew = [...job.technicians.map((t) => t.id), crewMemberId];
  const ours = new Set([
    ...(appointment.technicianId ? [appointment.technicianId] : []),
    ...crew.flatMap((id) => lanes.techniciansOfCrew(provider, id)),
  ]);
  return laneOf({ id: appointment.id, technicianId: ours.size === 1 ? [...ours][0] : null });
}

/**
 * Under the tenant's schedule lock: what stands in the way of the time in the
 * lane the job's appointment goes to (leaving out the appointment itself and
 * the job's own mirrored visits), and, when nothing does, the appointment
 * moved there (the exclusion constraint has the last word). Answers the
 * refusal, or undefined when the placement is held.
 */
async function holdPlacement(
  ctx: AppContext,
  tenantId: string,
  provider: string,
  jobId: string,
  lane: BookingLane,
  window: { start: Date; end: Date },
): Promise<BookingConflicts | undefined> {
  const appointmentId = lane.ignoreAppointmentId;
  const notThisJob = (conflicts: BookingConflicts["conflicts"]) =>
    conflicts.filter((c) => !(c.kind === "calendar_event" && c.provider === provider && isBusyEventOfJob(c.id, jobId)));
  const refuse = async (tx: EntityManager) => {
    const refusal = await explainRefusal(unitOfWorkSql(tx), ctx.clock, tenantId, window, lane);
    return { ...refusal, conflicts: notThisJob(refusal.conflicts) };
  };
  try {
    return await ctx.orm.em.fork().transactional(async (tx) => {
      await lockTenantSchedule(tx, tenantId, "booking");
      const blocking = notThisJob(
        await conflictsClearingStaleHolds(unitOfWorkSql(tx), ctx.clock, tenantId, window, lane),
      );
      if (blocking.length > 0) return refuse(tx);
      if (appointmentId) {
        await tx.nativeUpdate(
          AppointmentSchema,
          { id: appointmentId },
          { startTime: window.start, endTime: window.end, technicianId: lane.technicianId ?? null },
        );
      }
      return undefined;
    });
  } catch (error) {
    if (!isOverlap(error)) throw error;
    return ctx.orm.em.fork().transactional(refuse);
  }
}

/** The seed's `changes`: which of the job's fields differ after the update. */
function changesBetween(
  before: Job,
  after: Job,
  asked: { title?: string; description?: string | null; notes?: string | null },
): string[] {
  const changes: string[] = [];
  if (before.title !== after.title) changes.push("title");
  if (before.description !== after.description) {
    if (asked.description !== undefined) changes.push("description");
    if (asked.notes !== undefined) changes.push("notes");
  }
  if (before.start?.getTime() !== after.start?.getTime()) changes.push("start_time");
  if (before.end?.getTime() !== after.end?.getTime()) changes.push("end_time");
  const crew = (job: Job) =>
    job.technicians
      .map((t) => t.id)
      .sort()
      .join(",");
  if (crew(before) !== crew(after)) changes.push("technician");
  return changes;
}

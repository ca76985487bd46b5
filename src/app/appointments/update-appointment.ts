import { wrap } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Caller } from "../../domain/caller.js";
import { validateChanges, type AppointmentPatch } from "../../domain/appointments/appointment-changes.js";
import type { AppointmentStatus } from "../../domain/appointments/appointment-status.js";
import { AbortedError, FailedPreconditionError } from "../../domain/errors.js";
import type { Appointment } from "../../entities/appointment.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import { deliverSoon, type FastPathResult } from "../outbox/deliver-soon.js";
import { appointmentUpdated, customerNotification } from "../outbox/outbox-message.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import { conflictsClearingStaleHolds, explainRefusal, laneOf, type BookingConflicts } from "./booking-conflicts.js";
import {
  CUSTOMER_DATA_FIELDS,
  loadAppointmentRecord,
  openAppointment,
  resealCustomerData,
  type AppointmentRecord,
  type CustomerData,
} from "./appointment-record.js";
import { findAppointment } from "./find-appointment.js";
import { chooseTechnicians } from "../technicians/technician-choice.js";
import { findTechnician } from "../technicians/technician-rows.js";

export interface UpdateAppointmentInput {
  id: string;
  tenantFilter: string | undefined;
  /** 0 skips the optimistic concurrency check. */
  expectedVersion: number;
  patch: AppointmentPatch;
}

export type UpdateAppointmentResult =
  | { updated: true; appointment: AppointmentRecord; delivery?: FastPathResult }
  | ({ updated: false; appointment: AppointmentRecord } & BookingConflicts);

/** What the transaction decided, on the row as stored (opened after commit). */
type Change =
  | { updated: true; appointment: Appointment; changed: boolean }
  | ({ updated: false; appointment: Appointment } & BookingConflicts);

/** Fields whose change the customer is told about. */
const CUSTOMER_VISIBLE = ["startTime", "endTime", "address"];

/** SQLSTATE exclusion_violation: the moved appointment would overlap another. */
function isOverlap(error: unknown): boolean {
  return (error as { code?: unknown }).code === "23P01";
}

/**
 * Partial update under a row lock. A move is re-checked against holds, blocks
 * and calendar time first (under the tenant's schedule lock, as a booking
 * is), in the appointment's lane: a technician's appointment only against
 * their own and business-wide busy time, a business-wide one against all of
 * it. The exclusion constraint has the last word on overlapping appointments
 * (the update fails at flush with 23P01). A reassignment is checked the same
 * way in the lane of the technician it goes to (who must do its job type);
 * the delivery then writes the event to the new technician's calendar and
 * takes it out of the previous one's.
 */
export async function updateAppointment(
  ctx: AppContext,
  caller: Caller,
  command: UpdateAppointmentInput,
): Promise<UpdateAppointmentResult> {
  const result = await change(ctx, caller, command);
  const appointment = await openAppointment(ctx.customerKeys, result.appointment);
  if (!result.updated) return { ...result, appointment };
  if (!result.changed) return { updated: true, appointment };
  const delivery = await deliverSoon(ctx, appointment.tenantId, appointment.id);
  const current = await loadAppointmentRecord(ctx.customerKeys, ctx.orm.em.fork(), appointment.id);
  return { updated: true, appointment: current ?? appointment, delivery };
}

async function change(ctx: AppContext, caller: Caller, command: UpdateAppointmentInput): Promise<Change> {
  /** The technician a reassignment asks for (null: business-wide); undefined when it keeps its own. */
  let targetTechnician: string | null | undefined;
  /** The lane the appointment is going to: the technician asked for, else its own. */
  const laneAfter = (appointment: Appointment) =>
    laneOf(targetTechnician === undefined ? appointment : { id: appointment.id, technicianId: targetTechnician });
  const refused = async (appointment: Appointment): Promise<Change> => ({
    updated: false,
    appointment,
    ...(await explainRefusal(
      ctx.sql,
      ctx.clock,
      appointment.tenantId,
      { start: command.patch.start ?? appointment.startTime, end: command.patch.end ?? appointment.endTime },
      laneAfter(appointment),
    )),
  });

  let current: Appointment | undefined;
  try {
    return await ctx.orm.em.fork().transactional(async (em): Promise<Change> => {
      const appointment = await findAppointment(em, command.id, command.tenantFilter, { forUpdate: true });
      current = appointment;
      if (command.expectedVersion !== 0 && command.expectedVersion !== appointment.version) {
        throw new AbortedError(
          `appointment ${appointment.id} is at version ${appointment.version}, not ${command.expectedVersion}: read it again`,
        );
      }
      const { values, moved, reassigned } = validateChanges(
        {
          status: appointment.status as AppointmentStatus,
          start: appointment.startTime,
          end: appointment.endTime,
          technicianId: appointment.technicianId ?? null,
        },
        command.patch,
        ctx.clock.now(),
      );
      if (Object.keys(values).length === 0) return { updated: true as const, appointment, changed: false };
      if (reassigned) {
        targetTechnician = values.technicianId as string | null;
        if (targetTechnician !== null) {
          const jobType = (values.jobType as string | null | undefined) ?? appointment.jobType ?? undefined;
          await requireAssignable(em, appointment.tenantId, targetTechnician, jobType);
        }
      }
      if (moved || reassigned) {
        const window = {
          start: (values.startTime as Date | undefined) ?? appointment.startTime,
          end: (values.endTime as Date | undefined) ?? appointment.endTime,
        };
        // Taken after the row lock, as no holder of the schedule lock waits for an appointment row.
        await lockTenantSchedule(em, appointment.tenantId, "booking");
        const lane = laneAfter(appointment);
        const blocking = await conflictsClearingStaleHolds(
          unitOfWorkSql(em),
          ctx.clock,
          appointment.tenantId,
          window,
          lane,
        );
        if (blocking.some((p) => p.kind !== "appointment")) return refused(appointment);
      }
      const { customerData, columns } = splitCustomerData(values);
      const sealed = customerData ? await resealed(ctx, em, appointment, customerData) : {};
      wrap(appointment).assign({ ...columns, ...sealed, version: appointment.version + 1, updatedAt: ctx.clock.now() });
      enqueueOutbox(em, appointment.tenantId, appointmentUpdated(appointment.id, Object.keys(values), moved));
      if (Object.keys(values).some((field) => CUSTOMER_VISIBLE.includes(field))) {
        enqueueOutbox(em, appointment.tenantId, customerNotification(appointment.id, "change"));
      }
      recordAudit(em, {
        tenantId: appointment.tenantId,
        caller,
        action: "appointment.updated",
        entityType: "appointment",
        entityId: appointment.id,
        changes: auditableChanges(values),
      });
      await em.flush();
      return { updated: true as const, appointment, changed: true };
    });
  } catch (error) {
    if (isOverlap(error) && current) {
      const unchanged = await findAppointment(ctx.orm.em.fork(), command.id, command.tenantFilter);
      return refused(unchanged);
    }
    throw error;
  }
}

/** A technician of the tenant (not deleted) who does the appointment's job type, or the error saying why not. */
async function requireAssignable(
  em: EntityManager,
  tenantId: string,
  technicianId: string,
  jobType: string | undefined,
): Promise<void> {
  const technician = await findTechnician(unitOfWorkSql(em), technicianId, tenantId);
  chooseTechnicians(technician ? [technician] : [], { technicianId, ...(jobType ? { jobType } : {}) });
}

function splitCustomerData(values: Record<string, unknown>) {
  const customerData: Partial<CustomerData> = {};
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if ((CUSTOMER_DATA_FIELDS as readonly string[]).includes(field)) {
      (customerData as Record<string, unknown>)[field] = value;
    } else {
      columns[field] = value;
    }
  }
  return { customerData: Object.keys(customerData).length > 0 ? customerData : undefined, columns };
}

async function resealed(ctx: AppContext, em: EntityManager, appointment: Appointment, changes: Partial<CustomerData>) {
  const resealed = await resealCustomerData(ctx.customerKeys, appointment, changes, em);
  if (!resealed.sealed) {
    throw new FailedPreconditionError(
      `the customer data of appointment ${appointment.id} is ${resealed.status}: it cannot be changed`,
    );
  }
  return resealed.sealed;
}

/** Field names and non-personal values only: PII stays out of the audit log. */
const PERSONAL_FIELDS = new Set([
  ...CUSTOMER_DATA_FIELDS,
  "latitude",
  "longitude",
  "customerId",
  "leadId",
  "conversationId",
  "timezone",
]);

function auditableChanges(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => [
      field,
      PERSONAL_FIELDS.has(field) ? "[changed]" : value instanceof Date ? value.toISOString() : value,
    ]),
  );
}

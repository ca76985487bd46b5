import { requireNotInPast, requireTimeRange, requireUuid } from "../validation.js";
import { APPOINTMENT_FIELD_RULES, APPOINTMENT_FIELDS, type Urgency } from "./appointment-fields.js";
import {
  assertEditable,
  assertReassignable,
  assertReschedulable,
  assertTransition,
  type AppointmentStatus,
} from "./appointment-status.js";

/** UpdateAppointment's fields; undefined means "leave unchanged". */
export interface AppointmentPatch {
  customerName?: string;
  customerPhone?: string;
  customerEmail?: string;
  title?: string;
  description?: string;
  jobType?: string;
  start?: Date;
  end?: Date;
  status?: AppointmentStatus;
  address?: string;
  latitude?: number;
  longitude?: number;
  estimatedCost?: string;
  notes?: string;
  customerId?: string;
  leadId?: string;
  conversationId?: string;
  urgency?: Urgency;
  estimatedDurationMinutes?: number;
  timezone?: string;
  /** Another technician's id, or "" for the business as a whole. */
  technicianId?: string;
}

export interface CurrentAppointment {
  status: AppointmentStatus;
  start: Date;
  end: Date;
  technicianId: string | null;
}

/**
 * Column values to write, validated against the current state; `moved` when
 * the time changes, `reassigned` when the technician does (values.technicianId,
 * null: business-wide).
 */
export interface AppointmentChanges {
  values: Record<string, string | number | Date | null>;
  moved: boolean;
  reassigned: boolean;
}

/** `now` refuses a move to a start in the past; an appointment that has started keeps its start and may still change. */
export function validateChanges(current: CurrentAppointment, patch: AppointmentPatch, now: Date): AppointmentChanges {
  assertEditable(current.status);
  const values: AppointmentChanges["values"] = {};
  for (const field of APPOINTMENT_FIELDS) {
    const value = patch[field];
    if (value !== undefined)
      values[field] = (APPOINTMENT_FIELD_RULES[field] as (given: typeof value) => string | number | null)(value);
  }

  let moved = false;
  if (patch.start !== undefined || patch.end !== undefined) {
    const { start, end } = requireTimeRange(patch.start ?? current.start, patch.end ?? current.end);
    moved = start.getTime() !== current.start.getTime() || end.getTime() !== current.end.getTime();
    if (moved) {
      assertReschedulable(current.status);
      if (start.getTime() !== current.start.getTime()) requireNotInPast("start_time", start, now);
      values.startTime = start;
      values.endTime = end;
    }
  }
  let reassigned = false;
  if (patch.technicianId !== undefined) {
    const given = patch.technicianId.trim();
    const technicianId = given === "" ? null : requireUuid("technician_id", given);
    if (technicianId !== current.technicianId) {
      assertReassignable(current.status);
      values.technicianId = technicianId;
      reassigned = true;
    }
  }
  if (patch.status !== undefined) {
    assertTransition(current.status, patch.status);
    if (patch.status !== current.status) values.status = patch.status;
  }
  return { values, moved, reassigned };
}

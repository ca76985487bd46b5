import {
  optionalCoordinate,
  optionalEmail,
  optionalMoney,
  optionalText,
  requirePhone,
  requireNotInPast,
  requireText,
  requireTimeRange,
} from "../validation.js";
import { assertEditable, assertReschedulable, assertTransition, type AppointmentStatus } from "./appointment-status.js";

/** UpdateAppointment's fields; undefined means "leave unchanged". */
export interface AppointmentPatch {
  customerName?: string;
  customerPhone?: string;
  customerEmail?: string;
  title?: string;
  description?: string;
  serviceType?: string;
  start?: Date;
  end?: Date;
  status?: AppointmentStatus;
  address?: string;
  latitude?: number;
  longitude?: number;
  estimatedCost?: string;
  notes?: string;
}

export interface CurrentAppointment {
  status: AppointmentStatus;
  start: Date;
  end: Date;
}

/** Column values to write, validated against the current state; `moved` when the time changes. */
export interface AppointmentChanges {
  values: Record<string, string | number | Date | null>;
  moved: boolean;
}

/** `now` refuses a move to a start in the past; an appointment that has started keeps its start and may still change. */
export function validateChanges(current: CurrentAppointment, patch: AppointmentPatch, now: Date): AppointmentChanges {
  assertEditable(current.status);
  const values: AppointmentChanges["values"] = {};
  if (patch.customerName !== undefined) values.customerName = requireText("customer_name", patch.customerName, 200);
  if (patch.customerPhone !== undefined) values.customerPhone = requirePhone("customer_phone", patch.customerPhone);
  if (patch.customerEmail !== undefined) values.customerEmail = optionalEmail("customer_email", patch.customerEmail);
  if (patch.title !== undefined) values.title = requireText("title", patch.title, 255);
  if (patch.description !== undefined) values.description = optionalText("description", patch.description, 5000);
  if (patch.serviceType !== undefined) values.serviceType = optionalText("service_type", patch.serviceType, 100);
  if (patch.address !== undefined) values.address = optionalText("address", patch.address, 500);
  if (patch.latitude !== undefined) values.latitude = optionalCoordinate("latitude", patch.latitude, 90);
  if (patch.longitude !== undefined) values.longitude = optionalCoordinate("longitude", patch.longitude, 180);
  if (patch.estimatedCost !== undefined) values.estimatedCost = optionalMoney("estimated_cost", patch.estimatedCost);
  if (patch.notes !== undefined) values.notes = optionalText("notes", patch.notes, 5000);

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
  if (patch.status !== undefined) {
    assertTransition(current.status, patch.status);
    if (patch.status !== current.status) values.status = patch.status;
  }
  return { values, moved };
}

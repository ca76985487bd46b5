import { FailedPreconditionError, InvalidArgumentError } from "../errors.js";

export const APPOINTMENT_STATUSES = [
  "pending",
  "confirmed",
  "in_progress",
  "completed",
  "cancelled",
  "no_show",
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Lifecycle: pending -> confirmed -> in_progress -> completed; cancelled and no_show are final. */
const NEXT: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  pending: ["confirmed", "in_progress", "no_show"],
  confirmed: ["in_progress", "no_show"],
  in_progress: ["completed"],
  completed: [],
  cancelled: [],
  no_show: [],
};

/** Throws unless `from -> to` is allowed; staying in the same status is always allowed. */
export function assertTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (to === "cancelled") throw new InvalidArgumentError("status", "use CancelAppointment to cancel");
  if (from === to) return;
  if (!NEXT[from].includes(to)) {
    throw new FailedPreconditionError(`status cannot change from ${from} to ${to}`);
  }
}

/** Final appointments keep their history unchanged. */
export function assertEditable(status: AppointmentStatus): void {
  if (status === "cancelled" || status === "no_show") {
    throw new FailedPreconditionError(`a ${status} appointment cannot be changed`);
  }
}

/** Only appointments that have not started may move in time. */
export function assertReschedulable(status: AppointmentStatus): void {
  if (status !== "pending" && status !== "confirmed") {
    throw new FailedPreconditionError(`a ${status} appointment cannot be moved`);
  }
}

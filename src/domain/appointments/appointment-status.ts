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

/** Appointments that have not started yet: they hold their slot and may still move or be cancelled. */
function isUpcoming(status: AppointmentStatus): boolean {
  return status === "pending" || status === "confirmed";
}

/** Only appointments that have not started may move in time. */
export function assertReschedulable(status: AppointmentStatus): void {
  if (!isUpcoming(status)) throw new FailedPreconditionError(`a ${status} appointment cannot be moved`);
}

/** Only appointments that have not started may go to another technician. */
export function assertReassignable(status: AppointmentStatus): void {
  if (!isUpcoming(status)) throw new FailedPreconditionError(`a ${status} appointment cannot be reassigned`);
}

/** Only appointments that have not started may be cancelled. */
export function assertCancellable(status: AppointmentStatus): void {
  if (!isUpcoming(status)) throw new FailedPreconditionError(`a ${status} appointment cannot be cancelled`);
}

/**
 * The statements the service runs for the benchmarked RPCs, taken from the
 * service's own modules (so the baseline and pgbench always run the
 * service's current SQL), with $n placeholders:
 * GetAppointment: one select by id. CreateAppointment: BEGIN, the tenant's
 * schedule lock (shared), the stale-hold cleanup, one booking statement (busy read + insert of
 * appointment, outbox and audit rows), COMMIT, pipelined. CheckAvailability:
 * one busy read (arrays) that also returns the rules' version (the rules
 * themselves come from the service's cache).
 */
export { BY_ID as GET_APPOINTMENT } from "../../src/app/appointments/get-appointment.js";
export { BOOK_UNLESS_BUSY, CLEAR_STALE_HOLDS, staleHoldValues } from "../../src/app/appointments/insert-appointment.js";
export { TENANT_SCHEDULE_LOCK } from "../../src/app/shared/tenant-schedule-lock.js";
export {
  WITH_SOFT_BLOCKS as BUSY_PERIODS,
  busyValues,
  lensValues,
} from "../../src/app/availability/load-busy-periods.js";

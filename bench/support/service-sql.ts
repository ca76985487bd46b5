/**
 * The statements the service runs for the benchmarked RPCs, taken from the
 * service's own modules (so the baseline and pgbench always run the
 * service's current SQL), with $n placeholders:
 * GetAppointment: one select by id. CreateAppointment: BEGIN, the tenant's
 * schedule lock (shared), the stale-hold cleanup, one booking statement (busy read + insert of
 * appointment, outbox and audit rows), COMMIT, pipelined. CheckAvailability:
 * one busy read (times as JSON arrays) that also returns the rules' version (the rules
 * themselves come from the service's cache). ListAppointments (below): one
 * page by start time and the tenant's count; the service audits the list in
 * the same statement.
 */
export { BY_ID as GET_APPOINTMENT } from "../../src/app/appointments/get-appointment.js";
export {
  BOOK_UNLESS_BUSY,
  CLEAR_STALE_HOLDS,
  bookingValues,
  staleHoldValues,
} from "../../src/app/appointments/insert-appointment.js";
export { TENANT_SCHEDULE_LOCK } from "../../src/app/shared/tenant-schedule-lock.js";
export {
  BUSY_TIMES_WITH_SOFT_BLOCKS as BUSY_PERIODS,
  busyValues,
  lensValues,
} from "../../src/app/availability/load-busy-periods.js";

/** ListAppointments without date filters: one page by start time, and the tenant's count. */
export const LIST_APPOINTMENTS_SQL = `
  select * from appointments where tenant_id = $1 order by start_time asc, id asc limit $2 offset $3`;
export const COUNT_APPOINTMENTS_SQL = `select count(*)::int as total from appointments where tenant_id = $1`;

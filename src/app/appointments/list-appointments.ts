import { DateTime } from "luxon";
import type { AppointmentStatus } from "../../domain/appointments/appointment-status.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { requirePage } from "../../domain/validation.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";

export interface ListAppointmentsInput {
  tenantId: string;
  /** Local dates (YYYY-MM-DD) in the tenant's zone, inclusive; empty = open-ended. */
  startDate: string;
  endDate: string;
  statuses: AppointmentStatus[];
  page: number;
  limit: number;
}

export interface AppointmentPage {
  appointments: Appointment[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

function startOfLocalDate(field: string, date: string, zone: string): Date {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone }) : undefined;
  if (!parsed?.isValid) throw new InvalidArgumentError(field, "must be a date YYYY-MM-DD");
  return parsed.startOf("day").toJSDate();
}

/** Appointments starting within the local date range, by start time, paged (served by (tenant_id, start_time)). */
export async function listAppointments(
  ctx: AppContext,
  _caller: Caller,
  query: ListAppointmentsInput,
): Promise<AppointmentPage> {
  const em = ctx.orm.em.fork();
  const { page, limit, offset } = requirePage(query.page, query.limit);
  const where: Record<string, unknown> = { tenantId: query.tenantId };
  if (query.startDate || query.endDate) {
    const { rules } = await loadSchedulingRules(ctx.sql, query.tenantId);
    const startTime: Record<string, Date> = {};
    if (query.startDate) startTime.$gte = startOfLocalDate("start_date", query.startDate, rules.timeZone);
    if (query.endDate) {
      const endExclusive = DateTime.fromJSDate(startOfLocalDate("end_date", query.endDate, rules.timeZone), {
        zone: rules.timeZone,
      }).plus({ days: 1 });
      startTime.$lt = endExclusive.toJSDate();
    }
    if (startTime.$gte && startTime.$lt && startTime.$gte >= startTime.$lt) {
      throw new InvalidArgumentError("end_date", "must not be before start_date");
    }
    where.startTime = startTime;
  }
  // Slot holds live in the same table (under the same no-overlap rule) but are not appointments.
  where.status = query.statuses.length > 0 ? { $in: query.statuses } : { $ne: "held" };
  const [appointments, total] = await em.findAndCount(AppointmentSchema, where, {
    orderBy: { startTime: "asc", id: "asc" },
    limit,
    offset,
  });
  return { appointments, total, page, limit, pages: Math.ceil(total / limit) };
}

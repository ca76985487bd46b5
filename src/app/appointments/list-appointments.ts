import type { Buffer } from "node:buffer";
import { DateTime } from "luxon";
import type { AppointmentStatus } from "../../domain/appointments/appointment-status.js";
import { actorOf, type Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { normalisePhone, optionalText, requirePage } from "../../domain/validation.js";
import { AppointmentSchema } from "../../entities/appointment.js";
import type { AppContext } from "../context.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import { customerLookupIndexes, openAppointments, type AppointmentRecord } from "./appointment-record.js";

export interface ListAppointmentsInput {
  tenantId: string;
  /** Local dates (YYYY-MM-DD) in the tenant's zone, inclusive; empty = open-ended. */
  startDate: string;
  endDate: string;
  statuses: AppointmentStatus[];
  page: number;
  limit: number;
  /** Any formatting; empty = any customer. */
  customerPhone: string;
  customerId: string;
  leadId: string;
  conversationId: string;
}

export interface AppointmentPage {
  appointments: AppointmentRecord[];
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

/**
 * Appointments starting within the local date range, by start time, paged
 * (served by (tenant_id, start_time)); by customer phone through its blind
 * index (never the number). The page, its total and the list's audit row
 * come from one statement.
 */
export async function listAppointments(
  ctx: AppContext,
  caller: Caller,
  query: ListAppointmentsInput,
): Promise<AppointmentPage> {
  const em = ctx.orm.em.fork();
  const { page, limit, offset } = requirePage(query.page, query.limit);
  const conditions = ["tenant_id = ?"];
  const params: unknown[] = [query.tenantId];
  const filters: Record<string, unknown> = {};
  if (query.startDate || query.endDate) {
    const { rules } = await loadSchedulingRules(ctx.sql, query.tenantId);
    let from: Date | undefined;
    if (query.startDate) {
      from = startOfLocalDate("start_date", query.startDate, rules.timeZone);
      conditions.push("start_time >= ?");
      params.push(from);
    }
    if (query.endDate) {
      const until = DateTime.fromJSDate(startOfLocalDate("end_date", query.endDate, rules.timeZone), {
        zone: rules.timeZone,
      })
        .plus({ days: 1 })
        .toJSDate();
      if (from && from >= until) throw new InvalidArgumentError("end_date", "must not be before start_date");
      conditions.push("start_time < ?");
      params.push(until);
    }
    filters.startDate = query.startDate;
    filters.endDate = query.endDate;
  }
  if (query.statuses.length > 0) {
    conditions.push(`status in (${query.statuses.map(() => "?").join(", ")})`);
    params.push(...query.statuses);
    filters.statuses = query.statuses;
  }
  for (const [field, column, value] of [
    ["customer_id", "customer_id", query.customerId],
    ["lead_id", "lead_id", query.leadId],
    ["conversation_id", "conversation_id", query.conversationId],
  ] as const) {
    const id = optionalText(field, value, 255);
    if (id === null) continue;
    conditions.push(`${column} = ?`);
    params.push(id);
    filters[field] = "[given]";
  }
  if (query.customerPhone.trim()) {
    const phone = normalisePhone("customer_phone", query.customerPhone);
    const { phone: indexes } = await customerLookupIndexes(ctx.customerKeys, query.tenantId, { phone });
    conditions.push(indexes.length > 0 ? `customer_phone_index in (${indexes.map(() => "?").join(", ")})` : "false");
    params.push(...(indexes satisfies Buffer[]));
    filters.customer_phone = "[given]";
  }
  const where = conditions.join(" and ");
  const rows = await em.execute<Record<string, unknown>[]>(
    `with audited as (
       insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
       values (?, ?, 'appointments.listed', 'appointments', '', ?::jsonb)
     )
     select *, count(*) over () as total_count from appointments where ${where}
     order by start_time asc, id asc limit ? offset ?`,
    [query.tenantId, actorOf(caller), JSON.stringify({ ...filters, page, limit }), ...params, limit, offset],
  );
  const total =
    rows.length > 0
      ? Number(rows[0]!.total_count)
      : offset === 0
        ? 0
        : Number(
            (
              await em.execute<{ total: string }[]>(`select count(*) as total from appointments where ${where}`, params)
            )[0]!.total,
          );
  const entities = rows.map(({ total_count: _total, ...row }) => em.map(AppointmentSchema, row));
  return {
    appointments: await openAppointments(ctx.customerKeys, entities),
    total,
    page,
    limit,
    pages: Math.ceil(total / limit),
  };
}

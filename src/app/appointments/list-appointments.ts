import type { Buffer } from "node:buffer";
import { DateTime } from "../../domain/luxon.js";
import type { Statement } from "../../db/sql-pool.js";
import type { AppointmentStatus } from "../../domain/appointments/appointment-status.js";
import { actorOf, type Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { normalisePhone, optionalText, requirePage } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import { READ_AUDIT_COMMIT } from "../shared/read-audit-commit.js";
import { customerLookupIndexes, openAppointmentRows, type AppointmentRecord } from "./appointment-record.js";
import type { AppointmentRow } from "./appointment-row.js";

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
 * A page of the appointments matching where (over $1..$n), each row with the matching total, and the
 * list's audit row; then $n+1 limit, $n+2 offset, $n+3 the actor, $n+4 the audited filters (jsonb).
 * The total is a subquery, computed once beside the page's index scan (count(*) over () would read and
 * sort every matching row before the limit).
 */
export function pageStatement(name: string, where: string, n: number): Statement {
  return {
    name,
    text: `with audited as (
       insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
       select $1, $${n + 3}, 'appointments.listed', 'appointments', '', $${n + 4}::jsonb from ${READ_AUDIT_COMMIT}
     )
     select *, (select count(*) from appointments where ${where}) as total_count
     from appointments where ${where}
     order by start_time asc, id asc limit $${n + 1} offset $${n + 2}`,
  };
}

/**
 * Appointments starting within the local date range, by start time, paged
 * (served by (tenant_id, start_time)); by customer phone through its blind
 * index (never the number). The page, its total and the list's audit row
 * come from one prepared statement (one per combination of filters), read
 * as plain rows: no unit of work, since nothing here is written back.
 */
export async function listAppointments(
  ctx: AppContext,
  caller: Caller,
  query: ListAppointmentsInput,
): Promise<AppointmentPage> {
  const { page, limit, offset } = requirePage(query.page, query.limit);
  // Conditions by a one-letter code (together the prepared statement's name, one per combination of
  // filters, kept within PostgreSQL's 63 bytes: longer names are cut there, and two combinations cut
  // to the same name would collide on a connection); values that vary in number (statuses, the
  // phone's blind indexes under each key version) go as arrays.
  const conditions: [code: string, sql: (n: number) => string, value: unknown][] = [];
  const filters: Record<string, unknown> = {};
  if (query.startDate || query.endDate) {
    const { rules } = await loadSchedulingRules(ctx.sql, query.tenantId);
    let from: Date | undefined;
    if (query.startDate) {
      from = startOfLocalDate("start_date", query.startDate, rules.timeZone);
      conditions.push(["f", (n) => `start_time >= $${n}`, from]);
    }
    if (query.endDate) {
      const until = DateTime.fromJSDate(startOfLocalDate("end_date", query.endDate, rules.timeZone), {
        zone: rules.timeZone,
      })
        .plus({ days: 1 })
        .toJSDate();
      if (from && from >= until) throw new InvalidArgumentError("end_date", "must not be before start_date");
      conditions.push(["u", (n) => `start_time < $${n}`, until]);
    }
    filters.startDate = query.startDate;
    filters.endDate = query.endDate;
  }
  if (query.statuses.length > 0) {
    conditions.push(["s", (n) => `status = any($${n}::text[])`, query.statuses]);
    filters.statuses = query.statuses;
  } else {
    // Slot holds live in the same table (under the same no-overlap rule) but are not appointments.
    conditions.push(["h", () => "status <> 'held'", undefined]);
  }
  for (const [field, code, value] of [
    ["customer_id", "c", query.customerId],
    ["lead_id", "l", query.leadId],
    ["conversation_id", "v", query.conversationId],
  ] as const) {
    const id = optionalText(field, value, 255);
    if (id === null) continue;
    conditions.push([code, (n) => `${field} = $${n}`, id]);
    filters[field] = "[given]";
  }
  if (query.customerPhone.trim()) {
    const phone = normalisePhone("customer_phone", query.customerPhone);
    const { phone: indexes } = await customerLookupIndexes(ctx.customerKeys, query.tenantId, { phone });
    conditions.push(["p", (n) => `customer_phone_index = any($${n}::bytea[])`, indexes satisfies Buffer[]]);
    filters.customer_phone = "[given]";
  }
  const name = conditions.map(([code]) => code).join("");
  // $1 tenant; then the conditions' values; the page and the audit row's values come last.
  const values: unknown[] = [query.tenantId];
  const where = ["tenant_id = $1"];
  for (const [, sql, value] of conditions) {
    if (value === undefined) {
      where.push(sql(0));
      continue;
    }
    values.push(value);
    where.push(sql(values.length));
  }
  const filtered = {
    name: `count-appointments:${name}`,
    text: `select count(*)::int as total from appointments where ${where.join(" and ")}`,
  };
  const listed = pageStatement(`list-appointments:${name}`, where.join(" and "), values.length);
  const rows = await ctx.sql.rows<AppointmentRow & { total_count: string }>(listed, [
    ...values,
    limit,
    offset,
    actorOf(caller),
    JSON.stringify({ ...filters, page, limit }),
  ]);
  const total =
    rows.length > 0
      ? Number(rows[0]!.total_count)
      : offset === 0
        ? 0
        : (await ctx.sql.rows<{ total: number }>(filtered, values))[0]!.total;
  return {
    appointments: await openAppointmentRows(ctx.customerKeys, rows),
    total,
    page,
    limit,
    pages: Math.ceil(total / limit),
  };
}

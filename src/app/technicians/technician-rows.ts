import type { SqlReader, Statement } from "../../db/sql-pool.js";
import type { DateOverride, WeeklyHours } from "../../domain/availability/scheduling-rules.js";
import type { TechnicianFields } from "../../domain/technicians/technician-fields.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { instantOf, type SqlTimestamp } from "../availability/sql-timestamp.js";

interface TechnicianRow {
  id: string;
  tenant_id: string;
  name: string;
  skills: string[];
  service_area: string | null;
  weekly_hours: WeeklyHours[] | null;
  date_overrides: DateOverride[];
  calendar_id: string | null;
  jobber_user_id: string | null;
  housecall_pro_employee_id: string | null;
  created_at: SqlTimestamp;
  updated_at: SqlTimestamp;
}

const COLUMNS = `id, tenant_id, name, skills, service_area, weekly_hours, date_overrides, calendar_id::text,
  jobber_user_id, housecall_pro_employee_id, created_at, updated_at`;

export function technicianOf(row: TechnicianRow): Technician {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    skills: row.skills,
    serviceArea: row.service_area,
    weeklyHours: row.weekly_hours,
    dateOverrides: row.date_overrides,
    calendarId: row.calendar_id,
    jobberUserId: row.jobber_user_id,
    housecallProEmployeeId: row.housecall_pro_employee_id,
    createdAt: instantOf(row.created_at),
    updatedAt: instantOf(row.updated_at),
  };
}

/** A tenant's technicians, by name then id: read by every technician question. */
const TECHNICIANS_OF_TENANT: Statement = {
  name: "technicians-of-tenant",
  text: `select ${COLUMNS} from technicians where tenant_id = $1 and deleted_at is null order by name, id`,
};

export async function loadTechnicians(sql: SqlReader, tenantId: string): Promise<Technician[]> {
  return (await sql.rows<TechnicianRow>(TECHNICIANS_OF_TENANT, [tenantId])).map(technicianOf);
}

/** One technician; tenantId null for a service-key caller (any tenant). */
export async function findTechnician(
  sql: SqlReader,
  id: string,
  tenantId: string | null,
): Promise<Technician | undefined> {
  const [row] = await sql.rows<TechnicianRow>(
    {
      name: "technician-by-id",
      text: `select ${COLUMNS} from technicians
             where id = $1 and ($2::text is null or tenant_id = $2) and deleted_at is null`,
    },
    [id, tenantId],
  );
  return row && technicianOf(row);
}

function fieldValues(fields: TechnicianFields): unknown[] {
  return [
    fields.name,
    fields.skills,
    fields.serviceArea,
    fields.weeklyHours === null ? null : JSON.stringify(fields.weeklyHours),
    JSON.stringify(fields.dateOverrides),
    fields.calendarId,
    fields.jobberUserId,
    fields.housecallProEmployeeId,
  ];
}

/**
 * Inserts a technician. A linked calendar must be the tenant's; it is then
 * checked for conflicts (its busy time is the technician's, see Lanes).
 * Answers undefined when the calendar is not the tenant's.
 */
export async function insertTechnician(
  sql: SqlReader,
  tenantId: string,
  fields: TechnicianFields,
): Promise<Technician | undefined> {
  const [row] = await sql.rows<TechnicianRow>(
    {
      name: "insert-technician",
      text: `
      with calendar as (
        update integration_calendars set check_conflicts = true where id = $7 and tenant_id = $1 returning id
      )
      insert into technicians (tenant_id, name, skills, service_area, weekly_hours, date_overrides, calendar_id,
        jobber_user_id, housecall_pro_employee_id)
      select $1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9
      where $7::uuid is null or exists (select 1 from calendar)
      returning ${COLUMNS}`,
    },
    [tenantId, ...fieldValues(fields)],
  );
  return row && technicianOf(row);
}

/** Replaces a technician's fields; undefined when there is no such technician or the calendar is not the tenant's. */
export async function replaceTechnician(
  sql: SqlReader,
  id: string,
  tenantId: string | null,
  fields: TechnicianFields,
): Promise<Technician | undefined> {
  const [row] = await sql.rows<TechnicianRow>(
    {
      name: "replace-technician",
      text: `
      with target as (
        select id as target_id, tenant_id as target_tenant from technicians
        where id = $1 and ($2::text is null or tenant_id = $2) and deleted_at is null
      ), calendar as (
        update integration_calendars set check_conflicts = true
        from target where id = $8 and tenant_id = target_tenant returning id
      )
      update technicians set name = $3, skills = $4, service_area = $5, weekly_hours = $6::jsonb,
        date_overrides = $7::jsonb, calendar_id = $8, jobber_user_id = $9, housecall_pro_employee_id = $10,
        updated_at = now()
      from target
      where id = target_id and ($8::uuid is null or exists (select 1 from calendar))
      returning ${COLUMNS}`,
    },
    [id, tenantId, ...fieldValues(fields)],
  );
  return row && technicianOf(row);
}

/** Marks a technician deleted; false when there was none (or it was already deleted). */
export async function markTechnicianDeleted(sql: SqlReader, id: string, tenantId: string | null): Promise<boolean> {
  const rows = await sql.rows(
    {
      name: "delete-technician",
      text: `update technicians set deleted_at = now(), updated_at = now()
             where id = $1 and ($2::text is null or tenant_id = $2) and deleted_at is null returning id`,
    },
    [id, tenantId],
  );
  return rows.length > 0;
}

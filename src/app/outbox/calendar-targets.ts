import type { EntityManager } from "@mikro-orm/postgresql";

/** One calendar an appointment's event is (or is to be) written to, with what we know of the event there. */
export interface CalendarTarget {
  calendarId: string;
  providerCalendarId: string;
  timeZone: string | null;
  integrationId: string;
  provider: string;
  accountEmail: string;
  /** The integration writes events: sync on, direction not from_provider. */
  writable: boolean;
  /**
   * Set when the integration would write events but is in error (access revoked, mass-delete guard):
   * its status reason. The event is owed there, so the delivery fails with it rather than skipping.
   */
  blockedBy?: string;
  /**
   * Another technician's own calendar, not a receiving one, still holding the event: the appointment
   * went to someone else, so the event is taken out of it.
   */
  released: boolean;
  /** The booked technician's own id on this target's field-service platform (Jobber user, HouseCall Pro employee). */
  crewMemberId?: string;
  event?: RecordedEvent;
}

/** What we wrote in one calendar; crewMemberId: the technician we put on a job's crew (Jobber, HouseCall Pro). */
export interface RecordedEvent {
  providerEventId: string;
  etag: string | null;
  deleted: boolean;
  crewMemberId?: string;
  /** The job CreateJob booked the appointment as: its instructions and crew are the caller's. */
  bookedAsJob: boolean;
}

/** The condition on calendar_integrations `i` under which its calendars get our events written. */
export const WRITES_EVENTS = `i.status = 'active' and i.sync_enabled and i.sync_direction <> 'from_provider'`;
/**
 * The calendars of `i` are owed our events: written now (WRITES_EVENTS), or
 * blocked by an error the business must deal with (access revoked, the
 * mass-delete guard), whose deliveries fail visibly until it does.
 */
export const OWES_EVENTS = `i.status in ('active', 'error') and i.sync_enabled and i.sync_direction <> 'from_provider'`;
/** The same integration, in error: it would write events once the business has dealt with its status reason. */
const BLOCKED_BY = `case when i.status = 'error' and i.sync_enabled and i.sync_direction <> 'from_provider'
  then coalesce(i.status_reason, 'the calendar connection is in error') end`;

/**
 * The calendars receiving events now, the booked technician's own calendar,
 * and any still holding this appointment's event (`released` when that one is
 * only another technician's own calendar). The technician comes from
 * the appointment row (so a change or cancellation reaches their calendar as
 * the booking did); a deleted technician's calendar gets no new events.
 * crew_member_id: the technician's link matching the target's provider
 * (FieldServiceProviderName), null for calendars.
 */
const TARGETS = `
  with technician as (
    select t.calendar_id, t.jobber_user_id, t.housecall_pro_employee_id
    from appointments a join technicians t on t.id = a.technician_id and t.tenant_id = a.tenant_id
    where a.id = ?::uuid and a.tenant_id = ? and t.deleted_at is null
  )
  select c.id as calendar_id, c.provider_calendar_id, c.time_zone, i.id as integration_id, i.provider,
         i.account_email, (${WRITES_EVENTS}) as writable, ${BLOCKED_BY} as blocked_by,
         case i.provider when 'jobber' then t.jobber_user_id
                         when 'housecall_pro' then t.housecall_pro_employee_id end as crew_member_id,
         m.provider_event_id, m.etag, m.deleted_at, m.crew_member_id as placed_crew_member_id, m.booked_as_job,
         (not c.receives_events and c.id is distinct from t.calendar_id and exists (
           select 1 from technicians o where o.tenant_id = c.tenant_id and o.calendar_id = c.id)) as released
  from integration_calendars c
  join calendar_integrations i on i.id = c.integration_id
  left join technician t on true
  left join appointment_calendar_events m
    on m.tenant_id = c.tenant_id and m.calendar_id = c.id and m.appointment_id = ?::uuid
  where c.tenant_id = ? and (c.receives_events or c.id = t.calendar_id or m.appointment_id is not null)
  order by c.created_at`;

export async function calendarTargets(
  em: EntityManager,
  tenantId: string,
  appointmentId: string,
): Promise<CalendarTarget[]> {
  const rows = await em.execute<Record<string, unknown>[]>(TARGETS, [appointmentId, tenantId, appointmentId, tenantId]);
  return rows.map((row) => ({
    calendarId: String(row.calendar_id),
    providerCalendarId: String(row.provider_calendar_id),
    timeZone: (row.time_zone as string | null) ?? null,
    integrationId: String(row.integration_id),
    provider: String(row.provider),
    accountEmail: String(row.account_email),
    writable: row.writable === true,
    released: row.released === true,
    ...(row.blocked_by ? { blockedBy: String(row.blocked_by) } : {}),
    ...(row.crew_member_id ? { crewMemberId: String(row.crew_member_id) } : {}),
    ...(row.provider_event_id ? { event: eventOf(row) } : {}),
  }));
}

function eventOf(row: Record<string, unknown>): RecordedEvent {
  return {
    providerEventId: String(row.provider_event_id),
    etag: (row.etag as string | null) ?? null,
    deleted: row.deleted_at !== null,
    ...(row.placed_crew_member_id ? { crewMemberId: String(row.placed_crew_member_id) } : {}),
    bookedAsJob: row.booked_as_job === true,
  };
}

/** What is recorded now of the appointment's event in one calendar (the targets' `event`, read afresh). */
export async function recordedEventOf(
  em: EntityManager,
  tenantId: string,
  appointmentId: string,
  calendarId: string,
): Promise<RecordedEvent | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `select provider_event_id, etag, deleted_at, crew_member_id as placed_crew_member_id, booked_as_job
     from appointment_calendar_events
     where tenant_id = ? and appointment_id = ?::uuid and calendar_id = ?::uuid`,
    [tenantId, appointmentId, calendarId],
  );
  return row ? eventOf(row) : undefined;
}

/** Where the event of an appointment lives in one calendar: written after every provider success. */
export async function recordCalendarEvent(
  em: EntityManager,
  tenantId: string,
  appointmentId: string,
  target: Pick<CalendarTarget, "calendarId" | "integrationId" | "providerCalendarId">,
  event: {
    providerEventId: string;
    etag?: string | undefined;
    deleted?: boolean;
    crewMemberId?: string | undefined;
    bookedAsJob?: boolean;
  },
): Promise<void> {
  await em.execute(
    `insert into appointment_calendar_events as m (tenant_id, appointment_id, calendar_id, integration_id,
       provider_calendar_id, provider_event_id, etag, deleted_at, crew_member_id, booked_as_job)
     values (?, ?::uuid, ?::uuid, ?::uuid, ?, ?, ?, case when ? then now() end, ?, ?)
     on conflict (tenant_id, appointment_id, calendar_id) do update set
       provider_event_id = excluded.provider_event_id, etag = excluded.etag, crew_member_id = excluded.crew_member_id,
       deleted_at = coalesce(m.deleted_at, excluded.deleted_at), booked_as_job = m.booked_as_job or excluded.booked_as_job,
       updated_at = now()`,
    [
      tenantId,
      appointmentId,
      target.calendarId,
      target.integrationId,
      target.providerCalendarId,
      event.providerEventId,
      event.etag ?? null,
      event.deleted === true,
      event.crewMemberId ?? null,
      event.bookedAsJob === true,
    ],
    "run",
  );
}

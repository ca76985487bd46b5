import type { EntityManager } from "@mikro-orm/postgresql";
import type { ProviderEvent } from "../../providers/calendar/calendar-provider.js";

export interface MirrorCalendar {
  tenantId: string;
  integrationId: string;
  /** integration_calendars.id */
  calendarId: string;
}

export interface MirrorCounts {
  created: number;
  updated: number;
  deleted: number;
}

/** Rows per statement: one JSON parameter each, so PostgreSQL's 65,535-parameter cap never applies. */
const BATCH_SIZE = 2_000;

const UPSERT_SQL = `
  insert into provider_busy_events as m (tenant_id, integration_id, calendar_id, provider_event_id, start_time, end_time,
    all_day, start_date, end_date, status, transparent, response_status, title, etag, appointment_id, updated_at)
  select ?, ?::uuid, ?::uuid, x.id, x.s, x.e, x.a, x.sd, x.ed, x.st, x.t, x.r, x.ti, x.et, x.ap, now()
  from jsonb_to_recordset(?::jsonb) as x(id text, s timestamptz, e timestamptz, a boolean, sd date, ed date,
    st text, t boolean, r text, ti text, et text, ap text)
  on conflict (tenant_id, integration_id, calendar_id, provider_event_id) do update set
    start_time = excluded.start_time, end_time = excluded.end_time, all_day = excluded.all_day,
    start_date = excluded.start_date, end_date = excluded.end_date, status = excluded.status,
    transparent = excluded.transparent, response_status = excluded.response_status,
    title = excluded.title, etag = excluded.etag, appointment_id = excluded.appointment_id, updated_at = now()
  where (m.start_time, m.end_time, m.all_day, m.start_date, m.end_date, m.status, m.transparent,
         m.response_status, m.title, m.etag)
    is distinct from (excluded.start_time, excluded.end_time, excluded.all_day, excluded.start_date,
         excluded.end_date, excluded.status, excluded.transparent, excluded.response_status,
         excluded.title, excluded.etag)
  returning (xmax = 0) as inserted`;

const DELETE_IDS_SQL = `
  delete from provider_busy_events
  where tenant_id = ? and integration_id = ?::uuid and calendar_id = ?::uuid
    and provider_event_id in (select jsonb_array_elements_text(?::jsonb))`;

const DELETE_OTHERS_SQL = `
  delete from provider_busy_events
  where tenant_id = ? and integration_id = ?::uuid and calendar_id = ?::uuid
    and provider_event_id not in (select jsonb_array_elements_text(?::jsonb))`;

function rowOf(event: ProviderEvent) {
  return {
    id: event.providerEventId,
    s: event.start.toISOString(),
    e: event.end.toISOString(),
    a: event.allDay,
    sd: event.startDate ?? null,
    ed: event.endDate ?? null,
    st: event.status,
    t: event.transparent,
    r: event.responseStatus ?? null,
    ti: event.title ?? null,
    et: event.etag ?? null,
    ap: event.appointmentId ?? null,
  };
}

function keyOf(calendar: MirrorCalendar): string[] {
  return [calendar.tenantId, calendar.integrationId, calendar.calendarId];
}

/** Idempotent: upserting the same events again changes and counts nothing. */
export async function upsertEvents(
  em: EntityManager,
  calendar: MirrorCalendar,
  events: ProviderEvent[],
): Promise<MirrorCounts> {
  const counts: MirrorCounts = { created: 0, updated: 0, deleted: 0 };
  // The last version of an id wins; one statement must not touch a row twice.
  const unique = [...new Map(events.map((event) => [event.providerEventId, event])).values()];
  for (let i = 0; i < unique.length; i += BATCH_SIZE) {
    const batch = unique.slice(i, i + BATCH_SIZE).map(rowOf);
    const rows = await em.execute<{ inserted: boolean }[]>(
      UPSERT_SQL,
      [...keyOf(calendar), JSON.stringify(batch)],
      "all",
    );
    for (const row of rows) {
      if (row.inserted) counts.created++;
      else counts.updated++;
    }
  }
  return counts;
}

export async function deleteEvents(
  em: EntityManager,
  calendar: MirrorCalendar,
  providerEventIds: string[],
): Promise<number> {
  if (providerEventIds.length === 0) return 0;
  const result = await em.execute<{ affectedRows: number }>(
    DELETE_IDS_SQL,
    [...keyOf(calendar), JSON.stringify(providerEventIds)],
    "run",
  );
  return result.affectedRows;
}

/** A full sync: the calendar's mirror becomes exactly these events. */
export async function replaceEvents(
  em: EntityManager,
  calendar: MirrorCalendar,
  events: ProviderEvent[],
): Promise<MirrorCounts> {
  const counts = await upsertEvents(em, calendar, events);
  const kept = JSON.stringify(events.map((event) => event.providerEventId));
  const removed = await em.execute<{ affectedRows: number }>(DELETE_OTHERS_SQL, [...keyOf(calendar), kept], "run");
  counts.deleted = removed.affectedRows;
  return counts;
}

import type { EntityManager } from "@mikro-orm/postgresql";
import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import { busyIntervalOf, isBusyEvent } from "../../domain/availability/busy-judgement.js";
import { MS_PER_DAY } from "../../domain/availability/local-date.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";

export interface BusyWindow {
  start: Date;
  end: Date;
}

interface BusyRow {
  kind: BusyPeriod["kind"];
  id: string;
  /** Epoch milliseconds: cheaper to read than timestamp text. */
  start_ms: number;
  end_ms: number;
  title: string | null;
  all_day: boolean;
  start_date: string | null;
  end_date: string | null;
  status: string;
  transparent: boolean;
  response_status: string | null;
  provider: string | null;
  calendar_id: string | null;
  calendar_name: string | null;
}

/**
 * One select per source, each served by its (tenant_id, start_time, ...)
 * index, sent as one statement so a call costs one round trip:
 * active appointments; blocks (soft ones only when asked); mirror rows of
 * calendars checked for conflicts, except our own appointments' events
 * (the appointment already counts). All-day mirror rows are stored at UTC
 * midnights, so that select reaches a day further each way; the busy
 * judgement then places them in the tenant's zone.
 */
function epochMs(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}

function busySql(includeSoftBlocks: boolean): string {
  return `
  select 'appointment' as kind, a.id::text as id, ${epochMs("a.start_time")} as start_ms,
         ${epochMs("a.end_time")} as end_ms, a.title, false as all_day,
         null::text as start_date, null::text as end_date, 'confirmed' as status, false as transparent,
         null::text as response_status, null::text as provider, null::text as calendar_id, null::text as calendar_name
  from appointments a
  where a.tenant_id = ? and a.status not in ('cancelled', 'no_show') and a.start_time < ? and a.end_time > ?
  union all
  select 'block', b.id::text, ${epochMs("b.start_time")}, ${epochMs("b.end_time")}, b.title, false, null, null,
         'confirmed', false, null, null, null, null
  from availability_blocks b
  where b.tenant_id = ? and b.deleted_at is null and b.start_time < ? and b.end_time > ?
    ${includeSoftBlocks ? "" : "and b.block_type = 'hard'"}
  union all
  select 'calendar_event', e.provider_event_id, ${epochMs("e.start_time")}, ${epochMs("e.end_time")}, e.title, e.all_day,
         e.start_date::text, e.end_date::text, e.status, e.transparent, e.response_status, i.provider,
         c.provider_calendar_id, c.name
  from provider_busy_events e
  join integration_calendars c on c.id = e.calendar_id and c.check_conflicts
  join calendar_integrations i on i.id = e.integration_id
  where e.tenant_id = ? and e.start_time < ? and e.end_time > ? and e.status <> 'cancelled' and not e.transparent
    and e.appointment_id is null
    and not exists (select 1 from appointment_calendar_events m
                    where m.tenant_id = e.tenant_id and m.calendar_id = e.calendar_id
                      and m.provider_event_id = e.provider_event_id)`;
}

const SQL_WITH_SOFT_BLOCKS = busySql(true);
const SQL_HARD_BLOCKS_ONLY = busySql(false);

function overlaps(period: { start: Date; end: Date }, window: BusyWindow): boolean {
  return period.start < window.end && period.end > window.start && period.end > period.start;
}

/**
 * Everything that makes the tenant busy during window: active appointments,
 * blocks (hard always; soft only with includeSoftBlocks, as CheckAvailability
 * does) and busy time on calendars with check_conflicts. Only periods
 * overlapping the window are returned.
 */
export async function loadBusyPeriods(
  em: EntityManager,
  tenantId: string,
  window: BusyWindow,
  rules: SchedulingRules,
  options: { includeSoftBlocks?: boolean } = {},
): Promise<BusyPeriod[]> {
  const reachStart = new Date(window.start.getTime() - MS_PER_DAY);
  const reachEnd = new Date(window.end.getTime() + MS_PER_DAY);
  const rows = await em.execute<BusyRow[]>(options.includeSoftBlocks ? SQL_WITH_SOFT_BLOCKS : SQL_HARD_BLOCKS_ONLY, [
    tenantId,
    window.end,
    window.start,
    tenantId,
    window.end,
    window.start,
    tenantId,
    reachEnd,
    reachStart,
  ]);
  const periods: BusyPeriod[] = [];
  for (const row of rows) {
    if (row.kind !== "calendar_event") {
      const period: BusyPeriod = {
        kind: row.kind,
        id: row.id,
        start: new Date(row.start_ms),
        end: new Date(row.end_ms),
      };
      if (row.title) period.title = row.title;
      periods.push(period);
      continue;
    }
    const event = {
      startTime: new Date(row.start_ms),
      endTime: new Date(row.end_ms),
      allDay: row.all_day,
      startDate: row.start_date,
      endDate: row.end_date,
      status: row.status,
      transparent: row.transparent,
      responseStatus: row.response_status,
    };
    if (!isBusyEvent(event, rules.tentativeIsBusy)) continue;
    const { start, end } = busyIntervalOf(event, rules.timeZone);
    const period: BusyPeriod = { kind: "calendar_event", id: row.id, start, end };
    if (row.provider) period.provider = row.provider;
    if (row.calendar_id) period.calendarId = row.calendar_id;
    if (row.calendar_name) period.calendarName = row.calendar_name;
    if (row.title) period.title = row.title;
    if (overlaps(period, window)) periods.push(period);
  }
  return periods;
}

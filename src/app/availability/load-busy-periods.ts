import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import { busyIntervalOf, isBusyEvent, type MirroredEvent } from "../../domain/availability/busy-judgement.js";
import { MS_PER_DAY } from "../../domain/availability/local-date.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import type { SqlReader, Statement } from "../../db/sql-pool.js";
import { RULES_VERSION_COLUMNS } from "./load-scheduling-rules.js";

export interface BusyWindow {
  start: Date;
  end: Date;
}

function epochMs(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}

/**
 * The busy sources as two CTEs, each select served by its (tenant_id,
 * start_time, ...) index: `own` = active appointments and blocks (soft ones
 * only when asked), `mirrored` = busy rows of calendars checked for
 * conflicts, except our own appointments' events (the appointment already
 * counts). All-day mirror rows are stored at UTC midnights, so that select
 * reaches a day further each way ($4, $5); the busy judgement then places
 * them in the tenant's zone. $1 tenant, $2/$3 window end/start.
 */
export function busySources(includeSoftBlocks: boolean): string {
  return `
  own as (
    select 'appointment' as kind, a.id::text as id, a.start_time, a.end_time, a.title
    from appointments a
    where a.tenant_id = $1 and a.status not in ('cancelled', 'no_show') and a.start_time < $2 and a.end_time > $3
    union all
    select 'block', b.id::text, b.start_time, b.end_time, b.title
    from availability_blocks b
    where b.tenant_id = $1 and b.deleted_at is null and b.start_time < $2 and b.end_time > $3
      ${includeSoftBlocks ? "" : "and b.block_type = 'hard'"}
  ), mirrored as (
    select e.provider_event_id as id, e.start_time, e.end_time, e.title, e.all_day, e.start_date::text as start_date,
           e.end_date::text as end_date, e.status, e.response_status, i.provider,
           c.provider_calendar_id as calendar_id, c.name as calendar_name
    from provider_busy_events e
    join integration_calendars c on c.id = e.calendar_id and c.check_conflicts
    join calendar_integrations i on i.id = e.integration_id
    where e.tenant_id = $1 and e.start_time < $4 and e.end_time > $5 and e.status <> 'cancelled' and not e.transparent
      and e.appointment_id is null
      and not exists (select 1 from appointment_calendar_events m
                      where m.tenant_id = e.tenant_id and m.calendar_id = e.calendar_id
                        and m.provider_event_id = e.provider_event_id)
  )`;
}

/**
 * Both sources as ONE row of arrays (parsing a few arrays costs far less than
 * hundreds of rows of a dozen columns), plus the rules' version.
 */
export const BUSY_ARRAYS = `
  (select array_agg(kind) as own_kinds, array_agg(id) as own_ids, array_agg(${epochMs("start_time")}) as own_starts,
          array_agg(${epochMs("end_time")}) as own_ends, array_agg(title) as own_titles from own) o
  cross join (select array_agg(id) as event_ids, array_agg(${epochMs("start_time")}) as event_starts,
          array_agg(${epochMs("end_time")}) as event_ends, array_agg(title) as event_titles,
          array_agg(all_day) as event_all_days, array_agg(start_date) as event_start_dates,
          array_agg(end_date) as event_end_dates, array_agg(status) as event_statuses,
          array_agg(response_status) as event_responses, array_agg(provider) as event_providers,
          array_agg(calendar_id) as event_calendar_ids, array_agg(calendar_name) as event_calendar_names from mirrored) m`;

export interface BusyArrays {
  own_kinds: BusyPeriod["kind"][] | null;
  own_ids: string[] | null;
  own_starts: number[] | null;
  own_ends: number[] | null;
  own_titles: (string | null)[] | null;
  event_ids: string[] | null;
  event_starts: number[] | null;
  event_ends: number[] | null;
  event_titles: (string | null)[] | null;
  event_all_days: boolean[] | null;
  event_start_dates: (string | null)[] | null;
  event_end_dates: (string | null)[] | null;
  event_statuses: string[] | null;
  event_responses: (string | null)[] | null;
  event_providers: (string | null)[] | null;
  event_calendar_ids: (string | null)[] | null;
  event_calendar_names: (string | null)[] | null;
  rules_version: string;
}

function busyStatement(includeSoftBlocks: boolean): Statement {
  return {
    name: includeSoftBlocks ? "busy-periods-with-soft-blocks" : "busy-periods-hard-blocks",
    text: `with ${busySources(includeSoftBlocks)} select o.*, m.*, ${RULES_VERSION_COLUMNS} from ${BUSY_ARRAYS}`,
  };
}

export const WITH_SOFT_BLOCKS = busyStatement(true);
const HARD_BLOCKS_ONLY = busyStatement(false);

/** The values of busySources' placeholders for window. */
export function busyValues(tenantId: string, window: BusyWindow): unknown[] {
  return [
    tenantId,
    window.end.toISOString(),
    window.start.toISOString(),
    new Date(window.end.getTime() + MS_PER_DAY).toISOString(),
    new Date(window.start.getTime() - MS_PER_DAY).toISOString(),
  ];
}

/** True when the sources returned nothing at all. */
export function isEmptyBusy(row: BusyArrays): boolean {
  return !row.own_ids && !row.event_ids;
}

/** Mirrored events the judgement may let through, as raw rows (none when the sources found none). */
function mirroredEvent(row: BusyArrays, i: number): MirroredEvent {
  return {
    startTime: new Date(row.event_starts![i]!),
    endTime: new Date(row.event_ends![i]!),
    allDay: row.event_all_days![i]!,
    startDate: row.event_start_dates![i] ?? null,
    endDate: row.event_end_dates![i] ?? null,
    status: row.event_statuses![i]!,
    transparent: false,
    responseStatus: row.event_responses![i] ?? null,
  };
}

function overlaps(period: { start: Date; end: Date }, window: BusyWindow): boolean {
  return period.start < window.end && period.end > window.start && period.end > period.start;
}

/** The busy periods overlapping window in row (appointments and blocks as found; mirrored events judged by rules). */
export function busyPeriodsOf(row: BusyArrays, window: BusyWindow, rules: SchedulingRules): BusyPeriod[] {
  const periods: BusyPeriod[] = [];
  const ownIds = row.own_ids ?? [];
  for (let i = 0; i < ownIds.length; i++) {
    const period: BusyPeriod = {
      kind: row.own_kinds![i]!,
      id: ownIds[i]!,
      start: new Date(row.own_starts![i]!),
      end: new Date(row.own_ends![i]!),
    };
    const title = row.own_titles![i];
    if (title) period.title = title;
    periods.push(period);
  }
  const eventIds = row.event_ids ?? [];
  for (let i = 0; i < eventIds.length; i++) {
    const event = mirroredEvent(row, i);
    if (!isBusyEvent(event, rules.tentativeIsBusy)) continue;
    const { start, end } = busyIntervalOf(event, rules.timeZone);
    const period: BusyPeriod = { kind: "calendar_event", id: eventIds[i]!, start, end };
    const provider = row.event_providers![i];
    if (provider) period.provider = provider;
    const calendarId = row.event_calendar_ids![i];
    if (calendarId) period.calendarId = calendarId;
    const calendarName = row.event_calendar_names![i];
    if (calendarName) period.calendarName = calendarName;
    const title = row.event_titles![i];
    if (title) period.title = title;
    if (overlaps(period, window)) periods.push(period);
  }
  return periods;
}

/**
 * Everything that makes the tenant busy during window: active appointments,
 * blocks (hard always; soft only with includeSoftBlocks, as CheckAvailability
 * does) and busy time on calendars with check_conflicts. Only periods
 * overlapping the window are returned. Also the rules' version at the same
 * snapshot, so that a caller holding cached rules can confirm them.
 */
export async function loadBusyArrays(
  sql: SqlReader,
  tenantId: string,
  window: BusyWindow,
  options: { includeSoftBlocks?: boolean } = {},
): Promise<BusyArrays> {
  const [row] = await sql.rows<BusyArrays>(
    options.includeSoftBlocks ? WITH_SOFT_BLOCKS : HARD_BLOCKS_ONLY,
    busyValues(tenantId, window),
  );
  return row!;
}

/** loadBusyArrays judged with rules (whose version the caller already trusts). */
export async function loadBusyPeriods(
  sql: SqlReader,
  tenantId: string,
  window: BusyWindow,
  rules: SchedulingRules,
  options: { includeSoftBlocks?: boolean } = {},
): Promise<BusyPeriod[]> {
  return busyPeriodsOf(await loadBusyArrays(sql, tenantId, window, options), window, rules);
}

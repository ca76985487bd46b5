import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import {
  allDayInterval,
  blocksTime,
  busyIntervalOf,
  isBusyEvent,
  type MirroredEvent,
} from "../../domain/availability/busy-judgement.js";
import { MS_PER_DAY } from "../../domain/availability/local-date.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import type { SqlReader, Statement } from "../../db/sql-pool.js";
import { RULES_VERSION_COLUMNS } from "./load-scheduling-rules.js";

export interface BusyWindow {
  start: Date;
  end: Date;
}

/**
 * Epoch milliseconds as float8: date_part is float8 all the way, where extract
 * answers numeric (PostgreSQL 14+), whose arithmetic was ~15% of the busy
 * read's CPU. Stored times are whole milliseconds (the API keeps no finer), so
 * round() only undoes float8's last-bit error in seconds × 1000.
 */
function epochMs(column: string): string {
  return `round(date_part('epoch', ${column}) * 1000)`;
}

/**
 * Active appointments (alias a) overlapping [start, end), as the
 * appointments_no_overlap exclusion constraint states it, so that its GiST
 * index on (tenant_id, lane, range) answers the read. `start_time < end and
 * end_time > start` (the same instants: end_time > start_time holds) could
 * only use the btree on (tenant_id, start_time) bounded above, and read every
 * past appointment of the tenant: ~13 ms a busy read with 50,000 of them,
 * 0.06 ms this way.
 */
export function activeAppointmentsOverlapping(start: string, end: string): string {
  return `a.status not in ('cancelled', 'no_show')
      and tstzrange(a.start_time, a.end_time, '[)') && tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)')`;
}

/** Whose busy time a read is for, and what it may ignore. */
export interface BusyLens {
  /** The service's clock: holds that expired by then are not busy. */
  now: Date;
  /** The caller's own hold: not busy for them. */
  holdToken?: string;
  /** Only this technician's and business-wide appointments; absent: every appointment. */
  technicianId?: string;
}

/** Placeholders of busySources' lens values (see lensValues), per statement. */
export interface LensPlaceholders {
  now: string;
  holdToken: string;
  technician: string;
}

/** The placeholders a statement with nothing but busySources uses. */
const BUSY_LENS_PLACEHOLDERS: LensPlaceholders = { now: "$6", holdToken: "$7", technician: "$8" };

/**
 * The busy sources as two CTEs, each select served by an index of its
 * tenant and time (appointments and blocks by range overlap on GiST, see
 * activeAppointmentsOverlapping): `own` = active appointments, unexpired holds
 * (except the caller's own) and blocks (soft ones only when asked), each with
 * its technician (null: business-wide); `mirrored` = busy rows of calendars
 * checked for conflicts, except our own appointments' events (the appointment
 * already counts), with the calendar and the crew ids field-service work
 * carries. The mapping check is one index probe per mirrored row: `offset 0`
 * keeps PostgreSQL from turning it into an anti-join, which it hashed over
 * every mapping of the tenant (1.2 ms of PostgreSQL CPU a CheckAvailability
 * with 5,000 mappings, 0.6 fenced; 0.82 against 0.63 with 50,000 probed as a
 * nested loop; no worse with 200). All-day mirror rows are stored at UTC
 * midnights, so that select reaches a day further each way ($4, $5); the busy
 * judgement then places them in the tenant's zone. $1 tenant, $2/$3 window end/start; the lens at
 * `lens` (see BusyLens).
 */
export function busySources(includeSoftBlocks: boolean, lens: LensPlaceholders = BUSY_LENS_PLACEHOLDERS): string {
  return `
  own as (
    select case when a.status = 'held' then 'hold' else 'appointment' end as kind, a.id::text as id, a.start_time,
           a.end_time, a.title, a.technician_id::text as technician
    from appointments a
    where a.tenant_id = $1 and ${activeAppointmentsOverlapping("$3", "$2")}
      and (a.status <> 'held' or (a.expires_at > ${lens.now}::timestamptz and a.hold_token is distinct from ${lens.holdToken}::text))
      and (${lens.technician}::uuid is null or a.technician_id is null or a.technician_id = ${lens.technician}::uuid)
    union all
    select case when b.block_type = 'soft' then 'soft_block' else 'block' end, b.id::text, b.start_time, b.end_time,
           b.title, null
    from availability_blocks b
    where b.tenant_id = $1 and b.deleted_at is null
      and tstzrange(b.start_time, b.end_time, '[)') && tstzrange($3::timestamptz, $2::timestamptz, '[)')
      ${includeSoftBlocks ? "" : "and b.block_type = 'hard'"}
  ), mirrored as (
    select e.provider_event_id as id, e.start_time, e.end_time, e.title, e.all_day, e.start_date::text as start_date,
           e.end_date::text as end_date, e.status, e.response_status, i.provider,
           c.provider_calendar_id as calendar_id, c.name as calendar_name, c.id::text as calendar_row_id,
           array_to_string(e.technician_ids, chr(31)) as technicians
    from provider_busy_events e
    join integration_calendars c on c.id = e.calendar_id and c.check_conflicts
    join calendar_integrations i on i.id = e.integration_id
    where e.tenant_id = $1 and e.start_time < $4 and e.end_time > $5 and e.status <> 'cancelled' and not e.transparent
      and e.appointment_id is null
      and not exists (select 1 from appointment_calendar_events m
                      where m.tenant_id = e.tenant_id and m.calendar_id = e.calendar_id
                        and m.provider_event_id = e.provider_event_id offset 0)
  )`;
}

/** The values of a lens's placeholders, in LensPlaceholders' order (now, hold token, technician). */
export function lensValues(lens: BusyLens): unknown[] {
  return [lens.now.toISOString(), lens.holdToken ?? null, lens.technicianId ?? null];
}

/**
 * Both sources as ONE row of arrays (parsing a few arrays costs far less than
 * hundreds of rows of a dozen columns), plus the rules' version. JSON arrays,
 * not PostgreSQL arrays: JSON.parse is native, while pg's array parser walks
 * the text character by character in JavaScript (half of CheckAvailability's
 * server CPU with 200 busy events).
 */
export const BUSY_ARRAYS = `
  (select json_agg(kind) as own_kinds, json_agg(id) as own_ids, json_agg(${epochMs("start_time")}) as own_starts,
          json_agg(${epochMs("end_time")}) as own_ends, json_agg(title) as own_titles,
          json_agg(technician) as own_technicians from own) o
  cross join (select json_agg(id) as event_ids, json_agg(${epochMs("start_time")}) as event_starts,
          json_agg(${epochMs("end_time")}) as event_ends, json_agg(title) as event_titles,
          json_agg(all_day) as event_all_days, json_agg(start_date) as event_start_dates,
          json_agg(end_date) as event_end_dates, json_agg(status) as event_statuses,
          json_agg(response_status) as event_responses, json_agg(provider) as event_providers,
          json_agg(calendar_id) as event_calendar_ids, json_agg(calendar_name) as event_calendar_names,
          json_agg(calendar_row_id) as event_calendar_row_ids, json_agg(technicians) as event_technicians
          from mirrored) m`;

/**
 * When the sources are busy, and what the rules judge mirrored events by:
 * all the slot engine needs (BUSY_TIMES), without the names and ids a
 * conflict report or a technician's lane needs (BUSY_ARRAYS).
 */
export const BUSY_TIMES = `
  (select json_agg(${epochMs("start_time")}) as own_starts, json_agg(${epochMs("end_time")}) as own_ends from own) o
  cross join (select json_agg(${epochMs("start_time")}) as event_starts, json_agg(${epochMs("end_time")}) as event_ends,
          json_agg(all_day) as event_all_days, json_agg(start_date) as event_start_dates,
          json_agg(end_date) as event_end_dates, json_agg(status) as event_statuses,
          json_agg(response_status) as event_responses
          from mirrored) m`;

export interface BusyTimes {
  own_starts: number[] | null;
  own_ends: number[] | null;
  event_starts: number[] | null;
  event_ends: number[] | null;
  event_all_days: boolean[] | null;
  event_start_dates: (string | null)[] | null;
  event_end_dates: (string | null)[] | null;
  event_statuses: string[] | null;
  event_responses: (string | null)[] | null;
  rules_version: string;
}

export interface BusyArrays extends BusyTimes {
  own_kinds: BusyPeriod["kind"][] | null;
  own_ids: string[] | null;
  own_titles: (string | null)[] | null;
  own_technicians: (string | null)[] | null;
  event_ids: string[] | null;
  event_titles: (string | null)[] | null;
  event_providers: (string | null)[] | null;
  event_calendar_ids: (string | null)[] | null;
  event_calendar_names: (string | null)[] | null;
  event_calendar_row_ids: string[] | null;
  /** Crew ids of field-service work, joined by U+001F ("" when none). */
  event_technicians: string[] | null;
}

function busyStatement(includeSoftBlocks: boolean): Statement {
  return {
    name: includeSoftBlocks ? "busy-periods-with-soft-blocks" : "busy-periods-hard-blocks",
    text: `with ${busySources(includeSoftBlocks)} select o.*, m.*, ${RULES_VERSION_COLUMNS} from ${BUSY_ARRAYS}`,
  };
}

const WITH_SOFT_BLOCKS = busyStatement(true);
const HARD_BLOCKS_ONLY = busyStatement(false);

/** CheckAvailability's read: soft blocks count, times only. */
export const BUSY_TIMES_WITH_SOFT_BLOCKS: Statement = {
  name: "busy-times-with-soft-blocks",
  text: `with ${busySources(true)} select o.*, m.*, ${RULES_VERSION_COLUMNS} from ${BUSY_TIMES}`,
};

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
function mirroredEvent(row: BusyTimes, i: number): MirroredEvent {
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

/** On epoch ms: `<` on two Dates converts each through valueOf, a slow path (6% of CheckAvailability). */
function overlaps(start: number, end: number, window: BusyWindow): boolean {
  return start < window.end.getTime() && end > window.start.getTime() && end > start;
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
    const technicianId = row.own_technicians?.[i];
    if (technicianId) period.technicianId = technicianId;
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
    const calendarRowId = row.event_calendar_row_ids?.[i];
    if (calendarRowId) period.calendarRowId = calendarRowId;
    const crew = row.event_technicians?.[i];
    if (crew) period.crewIds = crew.split("\u001f");
    if (overlaps(start.getTime(), end.getTime(), window)) periods.push(period);
  }
  return periods;
}

/**
 * The busy intervals (epoch ms) of row overlapping window: busyPeriodsOf's
 * judgement, without the periods' names and Dates (what the slot engine reads).
 */
export function busyIntervalsOf(
  row: BusyTimes,
  window: BusyWindow,
  rules: SchedulingRules,
): { start: number; end: number }[] {
  const intervals: { start: number; end: number }[] = [];
  const ownStarts = row.own_starts ?? [];
  for (let i = 0; i < ownStarts.length; i++) intervals.push({ start: ownStarts[i]!, end: row.own_ends![i]! });
  const eventStarts = row.event_starts ?? [];
  for (let i = 0; i < eventStarts.length; i++) {
    if (!blocksTime(row.event_statuses![i]!, row.event_responses![i] ?? null, rules.tentativeIsBusy)) continue;
    const days = row.event_all_days![i]
      ? allDayInterval(row.event_start_dates![i] ?? null, row.event_end_dates![i] ?? null, rules.timeZone)
      : undefined;
    const start = days ? days.start : eventStarts[i]!;
    const end = days ? days.end : row.event_ends![i]!;
    if (overlaps(start, end, window)) intervals.push({ start, end });
  }
  return intervals;
}

/** Times only (BUSY_TIMES), soft blocks included: CheckAvailability's read. */
export async function loadBusyTimes(
  sql: SqlReader,
  tenantId: string,
  window: BusyWindow,
  lens: BusyLens,
): Promise<BusyTimes> {
  const [row] = await sql.rows<BusyTimes>(BUSY_TIMES_WITH_SOFT_BLOCKS, [
    ...busyValues(tenantId, window),
    ...lensValues(lens),
  ]);
  return row!;
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
  options: { includeSoftBlocks?: boolean; lens?: BusyLens } = {},
): Promise<BusyArrays> {
  const [row] = await sql.rows<BusyArrays>(options.includeSoftBlocks ? WITH_SOFT_BLOCKS : HARD_BLOCKS_ONLY, [
    ...busyValues(tenantId, window),
    ...lensValues(options.lens ?? { now: new Date() }),
  ]);
  return row!;
}

/** loadBusyArrays judged with rules (whose version the caller already trusts). */
export async function loadBusyPeriods(
  sql: SqlReader,
  tenantId: string,
  window: BusyWindow,
  rules: SchedulingRules,
  options: { includeSoftBlocks?: boolean; lens?: BusyLens } = {},
): Promise<BusyPeriod[]> {
  return busyPeriodsOf(await loadBusyArrays(sql, tenantId, window, options), window, rules);
}

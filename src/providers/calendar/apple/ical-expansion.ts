import ICAL from "ical.js";
import { DateTime } from "../../../domain/luxon.js";
import { allDayEvent, type ProviderEvent, type SyncWindow } from "../calendar-provider.js";
import { APPOINTMENT_ID_PROPERTY } from "./ical-writer.js";

/** Guards against a malformed RRULE iterating forever. */
const MAX_OCCURRENCES = 20_000;

const PARTSTAT: Record<string, ProviderEvent["responseStatus"]> = {
  ACCEPTED: "accepted",
  DECLINED: "declined",
  TENTATIVE: "tentative",
  "NEEDS-ACTION": "needsAction",
};

/**
 * A UTC instant for an ical.js time. Zones defined in the object itself are
 * resolved by ical.js; a TZID without a VTIMEZONE falls back to the IANA zone
 * of that name; floating times are read as UTC.
 */
function instant(time: ICAL.Time, tzid: string | undefined): Date {
  if (time.zone && time.zone.tzid !== "floating") return time.toJSDate();
  const zone = tzid && DateTime.local().setZone(tzid).isValid ? tzid : "utc";
  return DateTime.fromObject(
    { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second },
    { zone },
  ).toJSDate();
}

function dateOf(time: ICAL.Time): string {
  return `${String(time.year).padStart(4, "0")}-${String(time.month).padStart(2, "0")}-${String(time.day).padStart(2, "0")}`;
}

/** Stable instance key: the RECURRENCE-ID as a UTC basic-format stamp (date only for all-day). */
function recurrenceKey(recurrenceId: ICAL.Time, tzid: string | undefined): string {
  if (recurrenceId.isDate) return dateOf(recurrenceId).replace(/-/g, "");
  return instant(recurrenceId, tzid)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function tzidOf(component: ICAL.Component, property: string): string | undefined {
  const value = component.getFirstProperty(property)?.getParameter("tzid");
  return typeof value === "string" ? value : undefined;
}

function instanceOf(
  item: ICAL.Event,
  id: string,
  startTime: ICAL.Time,
  endTime: ICAL.Time,
  ownerEmail: string,
  etag: string | undefined,
): ProviderEvent {
  const component = item.component;
  const status = String(component.getFirstPropertyValue("status") ?? "").toUpperCase();
  const transparent = String(component.getFirstPropertyValue("transp") ?? "").toUpperCase() === "TRANSPARENT";
  const mailto = `mailto:${ownerEmail.toLowerCase()}`;
  const me = component
    .getAllProperties("attendee")
    .find((attendee) => String(attendee.getFirstValue()).toLowerCase() === mailto);
  const partstat = me ? PARTSTAT[String(me.getParameter("partstat") ?? "NEEDS-ACTION").toUpperCase()] : undefined;
  const appointmentId = component.getFirstPropertyValue(APPOINTMENT_ID_PROPERTY);
  const base = {
    providerEventId: id,
    status:
      status === "CANCELLED"
        ? ("cancelled" as const)
        : status === "TENTATIVE"
          ? ("tentative" as const)
          : ("confirmed" as const),
    transparent,
    ...(partstat ? { responseStatus: partstat } : {}),
    ...(item.summary ? { title: item.summary } : {}),
    ...(etag ? { etag } : {}),
    ...(typeof appointmentId === "string" && appointmentId ? { appointmentId } : {}),
  };
  if (startTime.isDate) {
    const startDate = dateOf(startTime);
    let endDate = endTime.isDate ? dateOf(endTime) : startDate;
    if (endDate <= startDate) endDate = DateTime.fromISO(startDate, { zone: "utc" }).plus({ days: 1 }).toISODate()!;
    return allDayEvent(base, startDate, endDate);
  }
  const start = instant(startTime, tzidOf(component, "dtstart"));
  const endTzid = tzidOf(component, "dtend") ?? tzidOf(component, "dtstart");
  const end = instant(endTime, endTzid);
  return { ...base, allDay: false, start, end: end > start ? end : start };
}

const overlaps = (event: ProviderEvent, window: SyncWindow) =>
  event.start < window.end &&
  (event.end > window.start || (event.end.getTime() === event.start.getTime() && event.start >= window.start));

/**
 * Every instance of one calendar object resource inside the window. Recurring
 * series are expanded here (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides):
 * neither iCloud nor Radicale expands for us. Cancelled overrides stay in the
 * output with status "cancelled" so the engine can judge them.
 */
export function expandCalendarObject(
  data: string,
  window: SyncWindow,
  ownerEmail: string,
  etag?: string,
): ProviderEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(data));
  const byUid = new Map<string, { master?: ICAL.Component; overrides: ICAL.Component[] }>();
  for (const vevent of calendar.getAllSubcomponents("vevent")) {
    const uid = String(vevent.getFirstPropertyValue("uid") ?? "");
    const group = byUid.get(uid) ?? { overrides: [] };
    if (vevent.hasProperty("recurrence-id")) group.overrides.push(vevent);
    else group.master = vevent;
    byUid.set(uid, group);
  }

  const instances: ProviderEvent[] = [];
  const keep = (event: ProviderEvent) => {
    if (overlaps(event, window)) instances.push(event);
  };

  for (const [uid, { master, overrides }] of byUid) {
    if (!master) {
      // Invited to single instances only: each override stands alone.
      for (const override of overrides) {
        const event = new ICAL.Event(override);
        keep(
          instanceOf(
            event,
            `${uid}::${recurrenceKey(event.recurrenceId!, tzidOf(override, "recurrence-id"))}`,
            event.startDate,
            event.endDate,
            ownerEmail,
            etag,
          ),
        );
      }
      continue;
    }
    const event = new ICAL.Event(master, { exceptions: overrides, strictExceptions: false });
    if (!event.isRecurring()) {
      keep(instanceOf(event, uid, event.startDate, event.endDate, ownerEmail, etag));
      continue;
    }
    const tzid = tzidOf(master, "dtstart");
    // Overrides can move an instance into the window from anywhere: iterate
    // until both the window and the last override are behind us.
    const lastOverride = Math.max(
      0,
      ...overrides.map((o) => instant(new ICAL.Event(o).recurrenceId!, tzidOf(o, "recurrence-id")).getTime()),
    );
    const stopAt = Math.max(window.end.getTime(), lastOverride);
    const iterator = event.iterator();
    for (let n = 0, next = iterator.next(); next && n < MAX_OCCURRENCES; n++, next = iterator.next()) {
      if (instant(next, tzid).getTime() > stopAt) break;
      const details = event.getOccurrenceDetails(next);
      keep(
        instanceOf(
          details.item,
          `${uid}::${recurrenceKey(details.recurrenceId, tzid)}`,
          details.startDate,
          details.endDate,
          ownerEmail,
          etag,
        ),
      );
    }
  }
  return instances;
}

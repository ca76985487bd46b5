import { bookableRangeOf, dayBoundsOf, hoursAround, type AvailabilityQuery } from "./availability.js";
import type { BusyPeriod } from "./busy-period.js";

/** Why a time is not bookable (see UnavailabilityKind in availability.proto). */
export type UnavailabilityKind =
  | "outside_hours"
  | "not_slot_start"
  | "minimum_notice"
  | "horizon"
  | "outside_window"
  | "calendar_busy"
  | "booked"
  | "held"
  | "hard_block"
  | "soft_block"
  | "buffer"
  | "not_qualified";

export interface Unavailability {
  kind: UnavailabilityKind;
  /** The busy period behind calendar_busy, booked, held, the blocks and buffer. */
  period?: BusyPeriod;
}

const KIND_OF_PERIOD: Record<BusyPeriod["kind"], UnavailabilityKind> = {
  appointment: "booked",
  hold: "held",
  block: "hard_block",
  soft_block: "soft_block",
  calendar_event: "calendar_busy",
};

/**
 * Every reason the slot [start, start + duration) is not offered by
 * findFreeSlots(query) when query.busy is periods; none when it is offered.
 * It reads the same bookable range (notice, horizon, the query's dates) and
 * the same business hours (and slot grid from each range's opening) as the
 * slot search, and tests the same padded busy periods, so the two agree by
 * construction; test/unit/explain-properties.test.ts checks it on random schedules.
 */
export function explainSlot(query: AvailabilityQuery, periods: readonly BusyPeriod[], start: number): Unavailability[] {
  const reasons: Unavailability[] = [];
  const { rules } = query;
  const end = start + query.durationMinutes * 60_000;
  const bounds = dayBoundsOf(query);
  const { from, to } = bookableRangeOf(query, bounds);
  const now = query.clock.now().getTime();
  if (start < bounds[0]! || end > bounds[bounds.length - 1]!) reasons.push({ kind: "outside_window" });
  if (start < now + rules.minimumNoticeMinutes * 60_000) reasons.push({ kind: "minimum_notice" });
  if (end > to && end <= bounds[bounds.length - 1]!) reasons.push({ kind: "horizon" });

  const hours = hoursAround(query, Math.min(from, start), Math.max(to, end));
  let inHours = false;
  for (let i = 0; i < hours.starts.length; i++) {
    if (hours.starts[i]! > start || start >= hours.ends[i]!) continue;
    if (end > hours.ends[i]!) break;
    inHours = true;
    if ((start - hours.anchors[i]!) % (rules.slotIntervalMinutes * 60_000) !== 0) {
      reasons.push({ kind: "not_slot_start" });
    }
    break;
  }
  if (!inHours) reasons.push({ kind: "outside_hours" });

  const before = rules.bufferBeforeMinutes * 60_000;
  const after = rules.bufferAfterMinutes * 60_000;
  for (const period of periods) {
    const busyStart = period.start.getTime();
    const busyEnd = period.end.getTime();
    if (busyStart - before >= end || busyEnd + after <= start) continue;
    const overlaps = busyStart < end && busyEnd > start;
    reasons.push({ kind: overlaps ? KIND_OF_PERIOD[period.kind] : "buffer", period });
  }
  return reasons;
}

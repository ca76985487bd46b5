import { isoWeekdayOf, parseLocalDate } from "./local-date.js";
import { rangesInMinutes, type SchedulingRules } from "./scheduling-rules.js";
import { localToUtc } from "./time-zone.js";

/**
 * Open periods as UTC instants, sorted and disjoint (touching periods, e.g.
 * 00:00–24:00 on consecutive days, are joined). anchors[i] is the instant the
 * wall-clock range opening period i starts: slots step from there.
 */
export interface BusinessHours {
  starts: number[];
  ends: number[];
  anchors: number[];
}

type MinuteRanges = [number, number][];

/** Weekly ranges by ISO weekday and overrides by epoch day, in minutes. */
interface CompiledHours {
  weekly: MinuteRanges[];
  overrides: Map<number, MinuteRanges>;
}

function compile(rules: SchedulingRules): CompiledHours {
  const weekly: MinuteRanges[] = Array.from({ length: 8 }, () => []);
  for (const day of rules.weeklyHours) weekly[day.weekday] = rangesInMinutes(day.ranges);
  const overrides = new Map<number, MinuteRanges>();
  for (const override of rules.dateOverrides) {
    overrides.set(parseLocalDate(override.date)!, override.closed ? [] : rangesInMinutes(override.ranges));
  }
  return { weekly, overrides };
}

/**
 * Expands the weekly hours and date overrides of local dates firstDay..lastDay
 * (epoch days, inclusive, in rules.timeZone) into instants. Each boundary is
 * converted on its own local date, so a DST change shifts the instants, never
 * the wall-clock hours; a range whose wall times are all skipped is empty.
 */
export function expandBusinessHours(rules: SchedulingRules, firstDay: number, lastDay: number): BusinessHours {
  const hours = compile(rules);
  const zone = rules.timeZone;
  const starts: number[] = [];
  const ends: number[] = [];
  const anchors: number[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const ranges = hours.overrides.get(day) ?? hours.weekly[isoWeekdayOf(day)]!;
    for (const [startMinute, endMinute] of ranges) {
      const start = localToUtc(zone, day, startMinute);
      const end = localToUtc(zone, day, endMinute);
      if (end <= start) continue;
      const last = ends.length - 1;
      if (last >= 0 && start <= ends[last]!) {
        if (end > ends[last]!) ends[last] = end;
      } else {
        starts.push(start);
        ends.push(end);
        anchors.push(start);
      }
    }
  }
  return { starts, ends, anchors };
}

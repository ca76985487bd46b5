import type { Technician } from "../technicians/technician.js";
import { findFreeSlots, findFreeWindows, type AvailabilityQuery } from "./availability.js";
import type { BusyPeriod } from "./busy-period.js";
import type { Interval } from "./intervals.js";
import { formatLocalDate } from "./local-date.js";
import type { SchedulingRules } from "./scheduling-rules.js";
import { utcToLocal } from "./time-zone.js";

/** One technician's side of a question: their rules (hours) and the periods that make them busy. */
export interface TechnicianCandidate {
  technician: Technician;
  rules: SchedulingRules;
  periods: readonly BusyPeriod[];
}

export interface TechnicianSlot extends Interval {
  /** Who can take it, in the order "any technician" picks (see rankTechnicians). */
  technicianIds: string[];
}

export interface TechnicianDay {
  date: string;
  slots: TechnicianSlot[];
}

/** The question without rules and busy time: those are each technician's. */
export type SharedQuestion = Omit<AvailabilityQuery, "rules" | "busy">;

/** The engine's question for one technician. */
export function queryOf(shared: SharedQuestion, candidate: TechnicianCandidate): AvailabilityQuery {
  return {
    ...shared,
    rules: candidate.rules,
    busy: candidate.periods.map((p) => ({ start: p.start.getTime(), end: p.end.getTime() })),
  };
}

/**
 * Appointments of a technician per local date (epoch day in zone) of their
 * start: the "bookings that day" of the any-technician policy.
 */
export function bookingsPerDay(candidate: TechnicianCandidate, zone: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const period of candidate.periods) {
    if (period.kind !== "appointment" || period.technicianId !== candidate.technician.id) continue;
    const day = utcToLocal(zone, period.start.getTime()).epochDay;
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return counts;
}

/**
 * The any-technician policy, among technicians already qualified and free:
 * fewest bookings that day first (spreads the work), then the lowest
 * technician id (stable: the same question always picks the same one).
 */
export function rankTechnicians(ids: readonly string[], bookingsThatDay: (id: string) => number): string[] {
  return [...ids].sort((a, b) => bookingsThatDay(a) - bookingsThatDay(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Slots (or windows) per local date that some candidate can take, each with
 * the candidates who can, ranked by rankTechnicians. Each candidate's slots
 * come from the one engine (findFreeSlots) on their own hours and busy time,
 * so the cost is the single-schedule cost times the number of candidates.
 * Windows are not merged across technicians: each window names its one technician.
 */
export function findTechnicianSlots(
  shared: SharedQuestion,
  candidates: readonly TechnicianCandidate[],
  zone: string,
  mode: "slots" | "windows" = "slots",
): TechnicianDay[] {
  const perCandidate = candidates.map((candidate) => {
    const query = queryOf(shared, candidate);
    return mode === "windows" ? findFreeWindows(query) : findFreeSlots(query);
  });
  const counts = candidates.map((candidate) => bookingsPerDay(candidate, zone));
  const indexOf = new Map(candidates.map((candidate, i) => [candidate.technician.id, i]));
  const days: TechnicianDay[] = [];
  const dayCount = shared.lastDay - shared.firstDay + 1;
  for (let d = 0; d < dayCount; d++) {
    const byStart = new Map<string, TechnicianSlot>();
    perCandidate.forEach((candidateDays, c) => {
      for (const slot of candidateDays[d]!.slots) {
        const key = mode === "windows" ? `${slot.start}:${slot.end}:${c}` : `${slot.start}`;
        const merged = byStart.get(key);
        if (merged) merged.technicianIds.push(candidates[c]!.technician.id);
        else byStart.set(key, { start: slot.start, end: slot.end, technicianIds: [candidates[c]!.technician.id] });
      }
    });
    const slots = [...byStart.values()].sort((a, b) => a.start - b.start || a.end - b.end);
    for (const slot of slots) {
      if (slot.technicianIds.length < 2) continue;
      const day = utcToLocal(zone, slot.start).epochDay;
      slot.technicianIds = rankTechnicians(slot.technicianIds, (id) => counts[indexOf.get(id)!]!.get(day) ?? 0);
    }
    days.push({ date: formatLocalDate(shared.firstDay + d), slots });
  }
  return days;
}

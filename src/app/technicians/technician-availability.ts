import type { AvailabilityWindow } from "../../domain/availability/availability-query.js";
import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import {
  findTechnicianSlots,
  type SharedQuestion,
  type TechnicianCandidate,
  type TechnicianDay,
} from "../../domain/availability/technician-slots.js";
import type { Clock } from "../../domain/clock.js";
import { Lanes } from "../../domain/technicians/lanes.js";
import { technicianRules, type Technician } from "../../domain/technicians/technician.js";
import type { SqlReader } from "../../db/sql-pool.js";
import { busySpanOf } from "../availability/availability-query-of.js";
import { busyPeriodsOf, loadBusyArrays, type BusyArrays, type BusyLens } from "../availability/load-busy-periods.js";

/** Each chosen technician with their hours and the periods that make them busy (lanes from every technician). */
export function candidatesOf(
  chosen: readonly Technician[],
  everyone: readonly Technician[],
  rules: SchedulingRules,
  periods: readonly BusyPeriod[],
): TechnicianCandidate[] {
  const lanes = new Lanes(everyone);
  return chosen.map((technician) => ({
    technician,
    rules: technicianRules(rules, technician),
    periods: lanes.periodsOf(periods, technician.id),
  }));
}

export interface TechnicianQuestion {
  shared: SharedQuestion;
  candidates: TechnicianCandidate[];
  /** The business's busy periods in the span, every lane. */
  periods: BusyPeriod[];
  busy: BusyArrays;
}

/**
 * Reads the busy time of local dates firstDay..lastDay (with the buffers'
 * reach; soft blocks count, as CheckAvailability never offers them) and
 * splits it into the chosen technicians' schedules.
 */
export async function technicianQuestionOf(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  rules: SchedulingRules,
  window: Required<AvailabilityWindow>,
  technicians: { chosen: readonly Technician[]; everyone: readonly Technician[] },
  lens: BusyLens,
): Promise<TechnicianQuestion> {
  const span = busySpanOf(rules, window);
  const busy = await loadBusyArrays(sql, tenantId, span, { includeSoftBlocks: true, lens });
  const periods = busyPeriodsOf(busy, span, rules);
  return {
    shared: {
      timeZone: window.timeZone,
      firstDay: window.firstDay,
      lastDay: window.lastDay,
      durationMinutes: window.durationMinutes,
      clock,
    },
    candidates: candidatesOf(technicians.chosen, technicians.everyone, rules, periods),
    periods,
    busy,
  };
}

/** Slots per date that some chosen technician can take, each naming who (ranked as "any" picks). */
export function technicianDaysOf(
  question: TechnicianQuestion,
  rules: SchedulingRules,
  mode: "slots" | "windows" = "slots",
): TechnicianDay[] {
  return findTechnicianSlots(question.shared, question.candidates, rules.timeZone, mode);
}

import type { EntityManager } from "@mikro-orm/postgresql";
import { parseAvailabilityWindow, type AvailabilityWindowInput } from "../../domain/availability/availability-query.js";
import { findFreeSlots, findFreeWindows, type DayAvailability } from "../../domain/availability/availability.js";
import type { Clock } from "../../domain/clock.js";
import { availabilityQueryOf } from "./availability-query-of.js";
import { loadSchedulingRules } from "./load-scheduling-rules.js";

export interface CheckAvailabilityInput extends AvailabilityWindowInput {
  mode: "slots" | "windows";
}

export interface CheckAvailabilityResult {
  timeZone: string;
  days: DayAvailability[];
  totalSlots: number;
}

/** Free slots (or windows) per local date; validates first, so bad input reads nothing. */
export async function checkAvailability(
  em: EntityManager,
  clock: Clock,
  tenantId: string,
  input: CheckAvailabilityInput,
): Promise<CheckAvailabilityResult> {
  const window = parseAvailabilityWindow(input);
  const { rules } = await loadSchedulingRules(em, tenantId);
  const timeZone = window.timeZone ?? rules.timeZone;
  const query = await availabilityQueryOf(em, clock, tenantId, rules, { ...window, timeZone });
  const days = input.mode === "windows" ? findFreeWindows(query) : findFreeSlots(query);
  const totalSlots = days.reduce((sum, day) => sum + day.slots.length, 0);
  return { timeZone, days, totalSlots };
}

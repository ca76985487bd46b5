import { parseAvailabilityWindow, type AvailabilityWindowInput } from "../../domain/availability/availability-query.js";
import { findFreeSlots, findFreeWindows, type DayAvailability } from "../../domain/availability/availability.js";
import type { Caller } from "../../domain/caller.js";
import type { TechnicianDay } from "../../domain/availability/technician-slots.js";
import type { AppContext } from "../context.js";
import { technicianQuestionOf, technicianDaysOf } from "../technicians/technician-availability.js";
import { chooseTechnicians, technicianChoiceOf } from "../technicians/technician-choice.js";
import { loadTechnicians } from "../technicians/technician-rows.js";
import { availabilityQueryFrom, busySpanOf } from "./availability-query-of.js";
import { loadBusyTimes } from "./load-busy-periods.js";
import { refreshStaleMirrors, type DataFreshness } from "../sync/refresh-stale-mirrors.js";

export interface CheckAvailabilityInput extends AvailabilityWindowInput {
  tenantId: string;
  mode: "slots" | "windows";
  /** The request's technician fields; none set: the business as one schedule. */
  technician?: { technicianId: string; anyTechnician: boolean; jobType: string };
  /** The caller's own hold, which does not hide its slot. */
  holdToken?: string;
  /** Sync calendars older than this first (within the freshness budget). */
  maxStalenessSeconds?: number;
}

export interface CheckAvailabilityResult {
  timeZone: string;
  /** TechnicianDay (slots naming technicians) for a technician question. */
  days: (DayAvailability | TechnicianDay)[];
  totalSlots: number;
  /** Per integration, when maxStalenessSeconds was given. */
  dataAsOf: DataFreshness[];
}

/** Reads after which a still-moving rules version is taken as it stands. */
const MAX_READS = 3;

/**
 * Free slots (or windows) per local date; validates first, so bad input
 * reads nothing. One round trip when this instance holds the tenant's rules:
 * the busy read returns the rules' version, and a changed version (rules
 * updated through any instance) reads the rules and the busy time again.
 */
export async function checkAvailability(
  ctx: AppContext,
  caller: Caller,
  input: CheckAvailabilityInput,
): Promise<CheckAvailabilityResult> {
  const { tenantId } = input;
  const parsed = parseAvailabilityWindow(input);
  const choice = input.technician && technicianChoiceOf(input.technician);
  const lens = { now: ctx.clock.now(), ...(input.holdToken ? { holdToken: input.holdToken } : {}) };
  const everyone = choice ? await loadTechnicians(ctx.sql, tenantId) : [];
  const chosen = choice ? chooseTechnicians(everyone, choice) : [];
  const dataAsOf = await refreshStaleMirrors(ctx, caller, { tenantId, maxStalenessSeconds: input.maxStalenessSeconds });
  let loaded = ctx.schedulingRules.peek(tenantId) ?? (await ctx.schedulingRules.load(ctx.sql, tenantId));
  for (let read = 1; ; read++) {
    const { rules } = loaded;
    const window = { ...parsed, timeZone: parsed.timeZone ?? rules.timeZone };
    const question = choice
      ? await technicianQuestionOf(ctx.sql, ctx.clock, tenantId, rules, window, { chosen, everyone }, lens)
      : undefined;
    const busy = question?.busy ?? (await loadBusyTimes(ctx.sql, tenantId, busySpanOf(rules, window), lens));
    if (busy.rules_version === loaded.version || read === MAX_READS) {
      const query = question ? undefined : availabilityQueryFrom(busy, ctx.clock, rules, window);
      const days = !query
        ? technicianDaysOf(question!, rules, input.mode)
        : input.mode === "windows"
          ? findFreeWindows(query)
          : findFreeSlots(query);
      const totalSlots = days.reduce((sum, day) => sum + day.slots.length, 0);
      return { timeZone: window.timeZone, days, totalSlots, dataAsOf };
    }
    loaded = await ctx.schedulingRules.load(ctx.sql, tenantId);
  }
}

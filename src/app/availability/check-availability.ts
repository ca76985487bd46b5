import { parseAvailabilityWindow, type AvailabilityWindowInput } from "../../domain/availability/availability-query.js";
import { findFreeSlots, findFreeWindows, type DayAvailability } from "../../domain/availability/availability.js";
import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { refreshStaleMirrors, type DataFreshness } from "../sync/refresh-stale-mirrors.js";
import { availabilityQueryOf } from "./availability-query-of.js";
import { loadSchedulingRules } from "./load-scheduling-rules.js";

export interface CheckAvailabilityInput extends AvailabilityWindowInput {
  tenantId: string;
  mode: "slots" | "windows";
  /** Sync calendars older than this first (within the freshness budget). */
  maxStalenessSeconds?: number;
}

export interface CheckAvailabilityResult {
  timeZone: string;
  days: DayAvailability[];
  totalSlots: number;
  /** Per integration, when maxStalenessSeconds was given. */
  dataAsOf: DataFreshness[];
}

/** Free slots (or windows) per local date; validates first, so bad input reads nothing. */
export async function checkAvailability(
  ctx: AppContext,
  caller: Caller,
  input: CheckAvailabilityInput,
): Promise<CheckAvailabilityResult> {
  const { tenantId } = input;
  const em = ctx.orm.em.fork();
  const clock = ctx.clock;
  const window = parseAvailabilityWindow(input);
  const dataAsOf = await refreshStaleMirrors(ctx, caller, { tenantId, maxStalenessSeconds: input.maxStalenessSeconds });
  const { rules } = await loadSchedulingRules(em, tenantId);
  const timeZone = window.timeZone ?? rules.timeZone;
  const query = await availabilityQueryOf(em, clock, tenantId, rules, { ...window, timeZone });
  const days = input.mode === "windows" ? findFreeWindows(query) : findFreeSlots(query);
  const totalSlots = days.reduce((sum, day) => sum + day.slots.length, 0);
  return { timeZone, days, totalSlots, dataAsOf };
}

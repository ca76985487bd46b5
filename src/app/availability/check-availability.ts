import { parseAvailabilityWindow, type AvailabilityWindowInput } from "../../domain/availability/availability-query.js";
import { findFreeSlots, findFreeWindows, type DayAvailability } from "../../domain/availability/availability.js";
import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { availabilityQueryFrom, busySpanOf } from "./availability-query-of.js";
import { loadBusyArrays } from "./load-busy-periods.js";
import { refreshStaleMirrors, type DataFreshness } from "../sync/refresh-stale-mirrors.js";

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
  const dataAsOf = await refreshStaleMirrors(ctx, caller, { tenantId, maxStalenessSeconds: input.maxStalenessSeconds });
  let loaded = ctx.schedulingRules.peek(tenantId) ?? (await ctx.schedulingRules.load(ctx.sql, tenantId));
  for (let read = 1; ; read++) {
    const { rules } = loaded;
    const window = { ...parsed, timeZone: parsed.timeZone ?? rules.timeZone };
    const busy = await loadBusyArrays(ctx.sql, tenantId, busySpanOf(rules, window), { includeSoftBlocks: true });
    if (busy.rules_version === loaded.version || read === MAX_READS) {
      const query = availabilityQueryFrom(busy, ctx.clock, rules, window);
      const days = input.mode === "windows" ? findFreeWindows(query) : findFreeSlots(query);
      const totalSlots = days.reduce((sum, day) => sum + day.slots.length, 0);
      return { timeZone: window.timeZone, days, totalSlots, dataAsOf };
    }
    loaded = await ctx.schedulingRules.load(ctx.sql, tenantId);
  }
}

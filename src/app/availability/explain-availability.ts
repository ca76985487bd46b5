import { MAX_DURATION_MINUTES } from "../../domain/availability/availability-query.js";
import type { AvailabilityQuery } from "../../domain/availability/availability.js";
import { explainSlot, type Unavailability } from "../../domain/availability/explain-slot.js";
import { bookingsPerDay, queryOf, rankTechnicians } from "../../domain/availability/technician-slots.js";
import { utcToLocal } from "../../domain/availability/time-zone.js";
import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { isQualified, normalizeJobType } from "../../domain/technicians/technician.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { technicianQuestionOf } from "../technicians/technician-availability.js";
import { loadTechnicians } from "../technicians/technician-rows.js";

export interface ExplainAvailabilityInput {
  tenantId: string;
  start?: Date;
  durationMinutes: number;
  jobType: string;
  technicianId: string;
  holdToken: string;
}

export interface TechnicianExplanation {
  /** Absent for the business as one schedule (a tenant without technicians). */
  technicianId?: string;
  name: string;
  bookable: boolean;
  reasons: Unavailability[];
}

export interface ExplainAvailabilityResult {
  bookable: boolean;
  technicians: TechnicianExplanation[];
}

/**
 * Why [start, start + duration) is or is not bookable, per technician (or
 * for the business, when the tenant has none): the same read and the same
 * engine as CheckAvailability over the local dates the time touches, with
 * explainSlot in place of the slot search. Bookable technicians come first,
 * in the order "any technician" picks them; then the others by name.
 */
export async function explainAvailability(
  ctx: AppContext,
  _caller: Caller,
  input: ExplainAvailabilityInput,
): Promise<ExplainAvailabilityResult> {
  if (!input.start) throw new InvalidArgumentError("start_time", "required");
  const duration = input.durationMinutes;
  if (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_MINUTES) {
    throw new InvalidArgumentError("duration_minutes", `must be from 1 to ${MAX_DURATION_MINUTES}`);
  }
  const technicianId = input.technicianId.trim() ? requireUuid("technician_id", input.technicianId.trim()) : undefined;
  const jobType = input.jobType.trim() ? normalizeJobType(input.jobType) : undefined;
  const start = input.start.getTime();
  const { tenantId } = input;
  const { rules } = await ctx.schedulingRules.load(ctx.sql, tenantId);
  const everyone = await loadTechnicians(ctx.sql, tenantId);
  const chosen = technicianId ? everyone.filter((t) => t.id === technicianId) : everyone;
  if (technicianId && chosen.length === 0) throw new NotFoundError(`technician ${technicianId} not found`);
  const zone = rules.timeZone;
  const window = {
    firstDay: utcToLocal(zone, start).epochDay,
    lastDay: utcToLocal(zone, start + duration * 60_000).epochDay,
    durationMinutes: duration,
    timeZone: zone,
  };
  const lens = { now: ctx.clock.now(), ...(input.holdToken ? { holdToken: input.holdToken } : {}) };
  const question = await technicianQuestionOf(ctx.sql, ctx.clock, tenantId, rules, window, { chosen, everyone }, lens);

  if (everyone.length === 0) {
    const query: AvailabilityQuery = { ...question.shared, rules, busy: [] };
    const reasons = explainSlot(query, question.periods, start);
    return { bookable: reasons.length === 0, technicians: [{ name: "", bookable: reasons.length === 0, reasons }] };
  }
  const day = window.firstDay;
  const explained = question.candidates.map((candidate) => {
    const reasons = explainSlot(queryOf(question.shared, candidate), candidate.periods, start);
    if (!isQualified(candidate.technician, jobType)) reasons.unshift({ kind: "not_qualified" });
    return { candidate, reasons, bookings: bookingsPerDay(candidate, zone).get(day) ?? 0 };
  });
  const bookable = explained.filter((e) => e.reasons.length === 0);
  const ranked = rankTechnicians(
    bookable.map((e) => e.candidate.technician.id),
    (id) => bookable.find((e) => e.candidate.technician.id === id)!.bookings,
  );
  const order = [...ranked, ...explained.filter((e) => e.reasons.length > 0).map((e) => e.candidate.technician.id)];
  return {
    bookable: bookable.length > 0,
    technicians: order.map((id) => {
      const { candidate, reasons } = explained.find((e) => e.candidate.technician.id === id)!;
      return { technicianId: id, name: candidate.technician.name, bookable: reasons.length === 0, reasons };
    }),
  };
}

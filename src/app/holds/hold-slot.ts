import { randomBytes } from "node:crypto";
import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { requireNotInPast, requireTimeRange } from "../../domain/validation.js";
import type { BookingConflicts } from "../appointments/booking-conflicts.js";
import type { AppContext } from "../context.js";
import { refreshStaleMirrors, type DataFreshness } from "../sync/refresh-stale-mirrors.js";
import { placeBooking } from "../technicians/place-booking.js";
import { technicianChoiceOf } from "../technicians/technician-choice.js";

export const DEFAULT_HOLD_SECONDS = 300;
const HOLD_SECONDS = { min: 30, max: 3_600 };

export interface HoldSlotInput {
  tenantId: string;
  start?: Date;
  end?: Date;
  technician: { technicianId: string; anyTechnician: boolean; jobType: string };
  /** 0: the default (5 minutes). */
  ttlSeconds: number;
  /** Sync calendars older than this first (within the freshness budget). */
  maxStalenessSeconds?: number;
}

export interface Hold {
  token: string;
  id: string;
  start: Date;
  end: Date;
  technicianId: string | null;
  jobType: string | null;
  expiresAt: Date;
}

export type HoldSlotResult = ({ held: true; hold: Hold } | ({ held: false } & BookingConflicts)) & {
  dataAsOf: DataFreshness[];
};

/**
 * Reserves a slot (and a technician, picked as CreateAppointment picks) for
 * ttlSeconds. The hold is a row of appointments with status 'held' under
 * the same exclusion constraint, so it is busy for every other booking and
 * hold by the database's own rule; after expires_at readers ignore it and
 * the next booking overlapping it (CLEAR_STALE_HOLDS) or the reaper
 * (reapExpiredHolds) deletes it. With maxStalenessSeconds, stale mirrors are
 * brought up to date first, as CreateAppointment does.
 */
export async function holdSlot(ctx: AppContext, caller: Caller, input: HoldSlotInput): Promise<HoldSlotResult> {
  const { start, end } = requireTimeRange(input.start, input.end);
  requireNotInPast("start_time", start, ctx.clock.now());
  const ttl = input.ttlSeconds === 0 ? DEFAULT_HOLD_SECONDS : input.ttlSeconds;
  if (!Number.isInteger(ttl) || ttl < HOLD_SECONDS.min || ttl > HOLD_SECONDS.max) {
    throw new InvalidArgumentError("ttl_seconds", `must be from ${HOLD_SECONDS.min} to ${HOLD_SECONDS.max}`);
  }
  const choice = technicianChoiceOf(input.technician);
  const dataAsOf = await refreshStaleMirrors(ctx, caller, {
    tenantId: input.tenantId,
    maxStalenessSeconds: input.maxStalenessSeconds,
  });
  const token = randomBytes(24).toString("base64url");
  // The hold's time runs from when it is placed, after any refresh.
  const expiresAt = new Date(ctx.clock.now().getTime() + ttl * 1_000);
  const placeholder: NewAppointment = {
    customerName: "",
    customerPhone: "",
    customerEmail: null,
    title: "Slot hold",
    description: null,
    jobType: null,
    start,
    end,
    address: null,
    latitude: null,
    longitude: null,
    estimatedCost: null,
    notes: null,
    status: "pending",
    notifyCustomer: false,
    customerId: null,
    leadId: null,
    conversationId: null,
    urgency: "normal",
    estimatedDurationMinutes: null,
    timezone: null,
  };
  const result = await placeBooking(ctx, caller, {
    tenantId: input.tenantId,
    input: placeholder,
    ...(choice ? { choice } : {}),
    hold: { token, expiresAt },
  });
  if (!result.created) {
    return { held: false, conflicts: result.conflicts, suggestedSlots: result.suggestedSlots, dataAsOf };
  }
  const { appointment } = result;
  return {
    held: true,
    hold: {
      token,
      id: appointment.id,
      start: appointment.startTime,
      end: appointment.endTime,
      technicianId: appointment.technicianId ?? null,
      jobType: appointment.jobType ?? null,
      expiresAt,
    },
    dataAsOf,
  };
}

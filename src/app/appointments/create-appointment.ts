import type { EntityManager } from "@mikro-orm/postgresql";
import type { Caller } from "../../domain/caller.js";
import { validateNewAppointment, type NewAppointmentRequest } from "../../domain/appointments/new-appointment.js";
import type { AppContext } from "../context.js";
import {
  claimIdempotencyKey,
  hashRequest,
  saveIdempotentResponse,
  validateIdempotencyKey,
} from "../shared/idempotency.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";
import { explainRefusal, findBookingConflicts, type BookingConflicts } from "./booking-conflicts.js";
import type { AppointmentRecord } from "./appointment-record.js";
import { reviveBookingResult } from "./booking-result-json.js";
import { insertAppointmentUnlessOverlapping } from "./insert-appointment.js";

export interface CreateAppointmentInput {
  tenantId: string;
  request: NewAppointmentRequest;
  idempotencyKey: string;
}

export type CreateAppointmentResult =
  { created: true; appointment: AppointmentRecord } | ({ created: false } & BookingConflicts);

const IDEMPOTENCY_SCOPE = "appointment.create";

/**
 * Books unless something stands in the way. Under the tenant's schedule lock
 * (shared: bookings never wait for each other) hard blocks and calendar time
 * are read, then the appointment is inserted; overlapping appointments are
 * refused by the database itself at insert time.
 */
export async function createAppointment(
  ctx: AppContext,
  caller: Caller,
  command: CreateAppointmentInput,
): Promise<CreateAppointmentResult> {
  const input = validateNewAppointment(command.request, ctx.clock.now());
  const key = validateIdempotencyKey(command.idempotencyKey);
  const { tenantId } = command;
  const window = { start: input.start, end: input.end };
  const book = async (unitOfWork: EntityManager): Promise<CreateAppointmentResult> => {
    // A hard block committed before this lock is seen by the read below; one
    // committing later waits for this transaction and then reports the booking.
    await lockTenantSchedule(unitOfWork, tenantId, "booking");
    const blocking = await findBookingConflicts(unitOfWork, tenantId, window);
    const appointment =
      blocking.length === 0
        ? await insertAppointmentUnlessOverlapping(unitOfWork, ctx.customerKeys, tenantId, caller, input, key)
        : undefined;
    return appointment
      ? { created: true, appointment }
      : { created: false, ...(await explainRefusal(unitOfWork, ctx.clock, tenantId, window)) };
  };
  // The tenant's key exists (made on first use) before a transaction holds a connection.
  await ctx.customerKeys.current(tenantId);
  const em = ctx.orm.em.fork();
  if (!key) return em.transactional(book);

  // With a key, the claim, the booking and the stored reply commit together.
  return em.transactional(async (tx): Promise<CreateAppointmentResult> => {
    const claim = await claimIdempotencyKey(tx, ctx.customerKeys, tenantId, IDEMPOTENCY_SCOPE, key, hashRequest(input));
    if (claim.kind === "replay") return reviveBookingResult(claim.response) as CreateAppointmentResult;
    const result = await book(tx);
    const resourceId = result.created ? result.appointment.id : null;
    await saveIdempotentResponse(tx, ctx.customerKeys, tenantId, IDEMPOTENCY_SCOPE, key, result, resourceId);
    return result;
  });
}

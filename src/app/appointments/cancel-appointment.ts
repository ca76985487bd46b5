import { actorOf, type Caller } from "../../domain/caller.js";
import type { Appointment } from "../../entities/appointment.js";
import { assertCancellable, type AppointmentStatus } from "../../domain/appointments/appointment-status.js";
import { FailedPreconditionError } from "../../domain/errors.js";
import { optionalText } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import { deliverSoon, type FastPathResult } from "../outbox/deliver-soon.js";
import { appointmentCancelled, customerNotification } from "../outbox/outbox-message.js";
import {
  loadAppointmentRecord,
  openAppointment,
  resealCustomerData,
  type AppointmentRecord,
} from "./appointment-record.js";
import { findAppointment } from "./find-appointment.js";

export interface CancelAppointmentInput {
  id: string;
  /** Tenant scope of a JWT caller; undefined for the service key. */
  tenantFilter: string | undefined;
  reason: string;
  notes: string;
  notifyCustomer: boolean;
}

/**
 * Cancels and frees the slot in the same commit (the exclusion constraint
 * ignores cancelled rows). A repeat answers cancelled: false and changes nothing.
 * Notes are free text about the customer: they join the sealed customer
 * data, so they cannot be added where that data is erased or unreadable.
 */
export async function cancelAppointment(
  ctx: AppContext,
  caller: Caller,
  command: CancelAppointmentInput,
): Promise<{ cancelled: boolean; appointment: AppointmentRecord; delivery?: FastPathResult }> {
  const result = await cancel(ctx, caller, command);
  const appointment = await openAppointment(ctx.customerKeys, result.appointment);
  if (!result.cancelled) return { cancelled: false, appointment };
  const delivery = await deliverSoon(ctx, appointment.tenantId, appointment.id);
  const current = await loadAppointmentRecord(ctx.customerKeys, ctx.orm.em.fork(), appointment.id);
  return { cancelled: true, appointment: current ?? appointment, delivery };
}

async function cancel(
  ctx: AppContext,
  caller: Caller,
  command: CancelAppointmentInput,
): Promise<{ cancelled: boolean; appointment: Appointment }> {
  const notes = optionalText("notes", command.notes, 5000);
  return ctx.orm.em.fork().transactional(async (em) => {
    const now = ctx.clock.now();
    const appointment = await findAppointment(em, command.id, command.tenantFilter, { forUpdate: true });
    if (appointment.status === "cancelled") return { cancelled: false, appointment };
    assertCancellable(appointment.status as AppointmentStatus);
    if (notes !== null) {
      const resealed = await resealCustomerData(ctx.customerKeys, appointment, { cancellationNotes: notes }, em);
      if (!resealed.sealed) {
        throw new FailedPreconditionError(
          `notes: the customer data of appointment ${appointment.id} is ${resealed.status}; cancel without notes`,
        );
      }
      Object.assign(appointment, resealed.sealed);
    }
    appointment.status = "cancelled";
    appointment.cancellationReason = command.reason;
    appointment.cancelledAt = now;
    appointment.cancelledBy = actorOf(caller);
    appointment.version += 1;
    appointment.updatedAt = now;
    enqueueOutbox(
      em,
      appointment.tenantId,
      appointmentCancelled(appointment.id, command.notifyCustomer, command.reason),
    );
    if (command.notifyCustomer) {
      enqueueOutbox(em, appointment.tenantId, customerNotification(appointment.id, "cancellation", command.reason));
    }
    recordAudit(em, {
      tenantId: appointment.tenantId,
      caller,
      action: "appointment.cancelled",
      entityType: "appointment",
      entityId: appointment.id,
      changes: { status: "cancelled", reason: command.reason },
    });
    return { cancelled: true, appointment };
  });
}

import { actorOf, type Caller } from "../../domain/caller.js";
import { FailedPreconditionError } from "../../domain/errors.js";
import { optionalText } from "../../domain/validation.js";
import type { MikroORM } from "../../db/orm.js";
import type { Appointment } from "../../entities/appointment.js";
import { recordAudit } from "../shared/audit.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import { findAppointment } from "./find-appointment.js";

export interface CancelAppointmentCommand {
  id: string;
  /** Tenant scope of a JWT caller; undefined for the service key. */
  tenantFilter: string | undefined;
  caller: Caller;
  reason: string;
  notes: string;
  notifyCustomer: boolean;
}

/**
 * Cancels and frees the slot in the same commit (the exclusion constraint
 * ignores cancelled rows). A repeat answers cancelled: false and changes nothing.
 */
export async function cancelAppointment(
  orm: MikroORM,
  command: CancelAppointmentCommand,
): Promise<{ cancelled: boolean; appointment: Appointment }> {
  const notes = optionalText("notes", command.notes, 5000);
  return orm.em.fork().transactional(async (em) => {
    const appointment = await findAppointment(em, command.id, command.tenantFilter, { forUpdate: true });
    if (appointment.status === "cancelled") return { cancelled: false, appointment };
    if (appointment.status !== "pending" && appointment.status !== "confirmed") {
      throw new FailedPreconditionError(`a ${appointment.status} appointment cannot be cancelled`);
    }
    appointment.status = "cancelled";
    appointment.cancellationReason = command.reason;
    appointment.cancellationNotes = notes;
    appointment.cancelledAt = new Date();
    appointment.cancelledBy = actorOf(command.caller);
    appointment.version += 1;
    appointment.updatedAt = new Date();
    enqueueOutbox(em, {
      tenantId: appointment.tenantId,
      topic: "appointment.cancelled",
      aggregateId: appointment.id,
      payload: { appointmentId: appointment.id, notifyCustomer: command.notifyCustomer, reason: command.reason },
    });
    recordAudit(em, {
      tenantId: appointment.tenantId,
      caller: command.caller,
      action: "appointment.cancelled",
      entityType: "appointment",
      entityId: appointment.id,
      changes: { status: "cancelled", reason: command.reason },
    });
    return { cancelled: true, appointment };
  });
}

/**
 * The one message type of the outbox: a topic and its typed payload. Every
 * writer (enqueueOutbox, the booking statement's CTE) builds its row from
 * these builders; the future dispatcher reads rows back with
 * parseOutboxMessage.
 */
export type OutboxMessage =
  | {
      topic: "appointment.created";
      /** technicianId: the technician booked, whose calendar and field-service crew the delivery updates. */
      payload: { appointmentId: string; notifyCustomer: boolean; technicianId?: string };
    }
  | { topic: "appointment.updated"; payload: { appointmentId: string; fields: string[]; moved: boolean } }
  | { topic: "appointment.cancelled"; payload: { appointmentId: string; notifyCustomer: boolean; reason: string } };

export type OutboxTopic = OutboxMessage["topic"];

export function appointmentCreated(
  appointmentId: string,
  notifyCustomer: boolean,
  technicianId?: string,
): OutboxMessage {
  return {
    topic: "appointment.created",
    payload: { appointmentId, notifyCustomer, ...(technicianId ? { technicianId } : {}) },
  };
}

export function appointmentUpdated(appointmentId: string, fields: string[], moved: boolean): OutboxMessage {
  return { topic: "appointment.updated", payload: { appointmentId, fields, moved } };
}

export function appointmentCancelled(appointmentId: string, notifyCustomer: boolean, reason: string): OutboxMessage {
  return { topic: "appointment.cancelled", payload: { appointmentId, notifyCustomer, reason } };
}

/** The row's aggregate_id: what the message is about. */
export function aggregateIdOf(message: OutboxMessage): string {
  return message.payload.appointmentId;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";

/** A stored row as an OutboxMessage; throws when topic or payload do not match the union. */
export function parseOutboxMessage(topic: string, payload: unknown): OutboxMessage {
  const p = (typeof payload === "string" ? JSON.parse(payload) : payload) as Record<string, unknown> | null;
  const fail = (): never => {
    throw new Error(`outbox row is not a valid ${topic} message`);
  };
  if (!p || typeof p !== "object" || !isString(p.appointmentId)) return fail();
  switch (topic) {
    case "appointment.created":
      if (!isBoolean(p.notifyCustomer) || (p.technicianId !== undefined && !isString(p.technicianId))) return fail();
      return appointmentCreated(p.appointmentId, p.notifyCustomer, p.technicianId);
    case "appointment.updated":
      if (!Array.isArray(p.fields) || !p.fields.every(isString) || !isBoolean(p.moved)) return fail();
      return appointmentUpdated(p.appointmentId, p.fields, p.moved);
    case "appointment.cancelled":
      if (!isBoolean(p.notifyCustomer) || !isString(p.reason)) return fail();
      return appointmentCancelled(p.appointmentId, p.notifyCustomer, p.reason);
    default:
      throw new Error(`unknown outbox topic ${topic}`);
  }
}

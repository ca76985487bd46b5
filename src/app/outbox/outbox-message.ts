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
  | {
      topic: "appointment.updated";
      /**
       * appliedInCalendarId: the calendar (integration_calendars row) the change was made in (a move
       * brought back by its sync, a job changed by UpdateJob): it has the change, and a write-back
       * could undo what the business did there since.
       */
      payload: { appointmentId: string; fields: string[]; moved: boolean; appliedInCalendarId?: string };
    }
  | { topic: "appointment.cancelled"; payload: { appointmentId: string; notifyCustomer: boolean; reason: string } }
  | { topic: "notification.customer"; payload: { appointmentId: string; kind: NotificationKind; reason?: string } };

/** What the customer is told: a booking, a change to it, its cancellation. */
export type NotificationKind = "confirmation" | "change" | "cancellation";
const NOTIFICATION_KINDS: readonly string[] = ["confirmation", "change", "cancellation"];

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

export function appointmentUpdated(
  appointmentId: string,
  fields: string[],
  moved: boolean,
  appliedInCalendarId?: string,
): OutboxMessage {
  return {
    topic: "appointment.updated",
    payload: { appointmentId, fields, moved, ...(appliedInCalendarId ? { appliedInCalendarId } : {}) },
  };
}

export function appointmentCancelled(appointmentId: string, notifyCustomer: boolean, reason: string): OutboxMessage {
  return { topic: "appointment.cancelled", payload: { appointmentId, notifyCustomer, reason } };
}

export function customerNotification(appointmentId: string, kind: NotificationKind, reason?: string): OutboxMessage {
  return { topic: "notification.customer", payload: { appointmentId, kind, ...(reason ? { reason } : {}) } };
}

/** The aggregate of an appointment's customer notifications: their own ordered lane, apart from its calendar writes. */
export function notificationAggregateOf(appointmentId: string): string {
  return `notify:${appointmentId}`;
}

/**
 * The row's aggregate_id: rows of one aggregate are delivered one at a time,
 * in id order. Calendar writes of an appointment are one aggregate, its
 * customer notifications another (a slow calendar never delays a message).
 */
export function aggregateIdOf(message: OutboxMessage): string {
  return message.topic === "notification.customer"
    ? notificationAggregateOf(message.payload.appointmentId)
    : message.payload.appointmentId;
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
      if (p.appliedInCalendarId !== undefined && !isString(p.appliedInCalendarId)) return fail();
      return appointmentUpdated(p.appointmentId, p.fields, p.moved, p.appliedInCalendarId);
    case "appointment.cancelled":
      if (!isBoolean(p.notifyCustomer) || !isString(p.reason)) return fail();
      return appointmentCancelled(p.appointmentId, p.notifyCustomer, p.reason);
    case "notification.customer":
      if (!isString(p.kind) || !NOTIFICATION_KINDS.includes(p.kind)) return fail();
      if (p.reason !== undefined && !isString(p.reason)) return fail();
      return customerNotification(p.appointmentId, p.kind as NotificationKind, p.reason);
    default:
      throw new Error(`unknown outbox topic ${topic}`);
  }
}

import type { EntityManager } from "@mikro-orm/postgresql";
import { OutboxMessageSchema } from "../../entities/outbox-message.js";

export type OutboxTopic = "appointment.created" | "appointment.updated" | "appointment.cancelled";

/**
 * Queues a side effect (provider push, customer notification) in the caller's
 * transaction: it exists if and only if the change it describes committed.
 */
export function enqueueOutbox(
  em: EntityManager,
  message: { tenantId: string; topic: OutboxTopic; aggregateId: string; payload: Record<string, unknown> },
): void {
  em.create(OutboxMessageSchema, {
    tenantId: message.tenantId,
    topic: message.topic,
    aggregateId: message.aggregateId,
    payload: message.payload,
  });
}

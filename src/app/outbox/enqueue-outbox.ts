import type { EntityManager } from "@mikro-orm/postgresql";
import { OutboxMessageSchema } from "../../entities/outbox-message.js";
import { aggregateIdOf, type OutboxMessage } from "./outbox-message.js";

/**
 * Queues a side effect (provider push, customer notification) in the caller's
 * transaction: it exists if and only if the change it describes committed.
 */
export function enqueueOutbox(em: EntityManager, tenantId: string, message: OutboxMessage): void {
  em.create(OutboxMessageSchema, {
    tenantId,
    topic: message.topic,
    aggregateId: aggregateIdOf(message),
    payload: message.payload,
  });
}

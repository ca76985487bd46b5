import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A side effect (provider push, customer notification) written in the same transaction as its cause. */
export const OutboxMessageSchema = defineEntity({
  name: "OutboxMessage",
  tableName: "outbox",
  properties: (p) => ({
    id: p.bigint("string").primary().autoincrement(),
    tenantId: p.text(),
    topic: p.text(),
    aggregateId: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.text().default("pending"),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    lastError: p.text().nullable(),
    claimedUntil: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    deliveredAt: p.datetime().columnType("timestamptz").nullable(),
  }),
});

export type OutboxMessage = InferEntity<typeof OutboxMessageSchema>;

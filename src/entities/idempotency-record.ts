import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** The first response to a request carrying an idempotency key, replayed on retries. */
export const IdempotencyRecordSchema = defineEntity({
  name: "IdempotencyRecord",
  tableName: "idempotency_records",
  properties: (p) => ({
    tenantId: p.text().primary(),
    scope: p.text().primary(),
    key: p.text().primary(),
    /** The first request's digest, sealed under the tenant's data key version requestKeyVersion. */
    requestSealed: p.blob().nullable(),
    requestKeyVersion: p.integer().nullable(),
    response: p.json<unknown>().nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type IdempotencyRecord = InferEntity<typeof IdempotencyRecordSchema>;

import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** Who changed what and when; written in the same transaction as the change. */
export const AuditEntrySchema = defineEntity({
  name: "AuditEntry",
  tableName: "audit_log",
  properties: (p) => ({
    id: p.bigint("string").primary().autoincrement(),
    tenantId: p.text(),
    actor: p.text(),
    action: p.text(),
    entityType: p.text(),
    entityId: p.text(),
    changes: p.json<Record<string, unknown>>().default("{}"),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type AuditEntry = InferEntity<typeof AuditEntrySchema>;

import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A tenant's scheduling rules as one JSON document (shape: domain SchedulingRules). */
export const SchedulingRulesRowSchema = defineEntity({
  name: "SchedulingRulesRow",
  tableName: "scheduling_rules",
  properties: (p) => ({
    tenantId: p.text().primary(),
    rules: p.json<Record<string, unknown>>(),
    updatedBy: p.text(),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type SchedulingRulesRow = InferEntity<typeof SchedulingRulesRowSchema>;

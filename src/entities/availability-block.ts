import { defineEntity, type InferEntity } from "@mikro-orm/core";

export const AvailabilityBlockSchema = defineEntity({
  name: "AvailabilityBlock",
  tableName: "availability_blocks",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    startTime: p.datetime().columnType("timestamptz"),
    endTime: p.datetime().columnType("timestamptz"),
    title: p.text().default(""),
    reason: p.text().default(""),
    blockType: p.text().default("hard"),
    createdBy: p.text(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    deletedAt: p.datetime().columnType("timestamptz").nullable(),
  }),
});

export type AvailabilityBlock = InferEntity<typeof AvailabilityBlockSchema>;

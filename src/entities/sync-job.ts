import { defineEntity, type InferEntity } from "@mikro-orm/core";

export const SyncJobSchema = defineEntity({
  name: "SyncJob",
  tableName: "sync_jobs",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    provider: p.text().nullable(),
    integrationId: p.uuid().nullable(),
    type: p.text(),
    status: p.text().default("queued"),
    progressPercent: p.integer().default(0),
    processed: p.integer().default(0),
    created: p.integer().default(0),
    updated: p.integer().default(0),
    deleted: p.integer().default(0),
    errors: p.json<string[]>().default("[]"),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    startedAt: p.datetime().columnType("timestamptz").nullable(),
    finishedAt: p.datetime().columnType("timestamptz").nullable(),
  }),
});

export type SyncJob = InferEntity<typeof SyncJobSchema>;

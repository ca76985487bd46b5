import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** When a schedule last started: a second firing inside its interval is skipped. */
export const ScheduleRunSchema = defineEntity({
  name: "ScheduleRun",
  tableName: "schedule_runs",
  properties: (p) => ({
    name: p.text().primary(),
    startedAt: p.datetime().columnType("timestamptz"),
  }),
});

export type ScheduleRun = InferEntity<typeof ScheduleRunSchema>;

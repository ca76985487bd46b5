import { AppointmentSchema } from "./appointment.js";
import { AuditEntrySchema } from "./audit-entry.js";
import { AvailabilityBlockSchema } from "./availability-block.js";
import { CalendarIntegrationSchema } from "./calendar-integration.js";
import { IdempotencyRecordSchema } from "./idempotency-record.js";
import { IntegrationCalendarSchema } from "./integration-calendar.js";
import { OAuthStateSchema } from "./oauth-state.js";
import { OutboxMessageSchema } from "./outbox-message.js";
import { ProviderBusyEventSchema } from "./provider-busy-event.js";
import { ScheduleRunSchema } from "./schedule-run.js";
import { SchedulingRulesRowSchema } from "./scheduling-rules-row.js";
import { SyncJobSchema } from "./sync-job.js";
import { WebhookChannelSchema } from "./webhook-channel.js";

export const allEntities = [
  AppointmentSchema,
  AuditEntrySchema,
  AvailabilityBlockSchema,
  CalendarIntegrationSchema,
  IdempotencyRecordSchema,
  IntegrationCalendarSchema,
  OAuthStateSchema,
  OutboxMessageSchema,
  ProviderBusyEventSchema,
  ScheduleRunSchema,
  SchedulingRulesRowSchema,
  SyncJobSchema,
  WebhookChannelSchema,
];

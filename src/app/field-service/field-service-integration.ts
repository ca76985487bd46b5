import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../domain/errors.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema, type IntegrationCalendar } from "../../entities/integration-calendar.js";
import { SCHEDULE_CALENDAR_ID } from "../../providers/field-service/field-service-busy-time.js";
import type {
  FieldServiceCredentials,
  FieldServiceProvider,
} from "../../providers/field-service/field-service-provider.js";
import type { AppContext } from "../context.js";
import { callProvider } from "../integrations/provider-call.js";

/** A tenant's connected field-service account and what talks to it. */
export interface FieldServiceTarget {
  integration: CalendarIntegration;
  provider: string;
  /** The zone the business schedules in: the one given at connect time, else the tenant's. */
  timeZone: string;
}

/** The adapter of a field-service provider; any other name is invalid_argument. */
export function fieldServiceOf(ctx: AppContext, provider: string): FieldServiceProvider {
  const jobs = ctx.providers.find(provider)?.capabilities.fieldServiceJobs;
  if (!jobs) throw new InvalidArgumentError("provider", `${provider} is not a field-service provider`);
  return jobs;
}

/** The tenant's most recently connected account of the provider; none connected is failed_precondition. */
export async function fieldServiceTargetOf(
  ctx: AppContext,
  tenantId: string,
  provider: string,
): Promise<FieldServiceTarget> {
  fieldServiceOf(ctx, provider);
  const em = ctx.orm.em.fork();
  const [integration] = await em.find(
    CalendarIntegrationSchema,
    { tenantId, provider },
    { orderBy: { updatedAt: "desc" }, limit: 1 },
  );
  if (!integration) throw new FailedPreconditionError(`tenant has no connected ${provider} integration`);
  const timeZone =
    integration.accountSettings.timeZone ?? (await loadSchedulingRules(ctx.sql, tenantId)).rules.timeZone;
  return { integration, provider, timeZone };
}

/** One call to the platform with the integration's credentials, budget and the one retry policy. */
export function callFieldService<T>(
  ctx: AppContext,
  target: FieldServiceTarget,
  call: (jobs: FieldServiceProvider, credentials: FieldServiceCredentials) => Promise<T>,
): Promise<T> {
  return callProvider(ctx, target.integration.id, (credentials, provider) => {
    const jobs = provider.capabilities.fieldServiceJobs;
    if (!jobs) throw new Error(`${provider.name} has no field-service jobs`);
    return call(jobs, credentials);
  });
}

/** The platform's one calendar, its schedule (integration_calendars row); absent until its calendar list is stored. */
export function platformScheduleOf(em: EntityManager, integrationId: string): Promise<IntegrationCalendar | null> {
  return em.findOne(IntegrationCalendarSchema, { integrationId, providerCalendarId: SCHEDULE_CALENDAR_ID });
}

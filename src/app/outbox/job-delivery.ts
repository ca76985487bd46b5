import type { EntityManager } from "@mikro-orm/postgresql";
import { isMarkedJob, markedJobDescription } from "../../domain/outbox/job-marker.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { busyEventIdOf, jobIdOfBusyEvent } from "../../providers/field-service/field-service-busy-time.js";
import type {
  CustomerDetails,
  FieldServiceCredentials,
  FieldServiceProvider,
  Job,
} from "../../providers/field-service/field-service-provider.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AppointmentRecord } from "../appointments/appointment-record.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import type { AppContext } from "../context.js";
import { callProvider } from "../integrations/provider-call.js";
import { recordCalendarEvent, type CalendarTarget } from "./calendar-targets.js";
import { clearJobIntent, findJobIntent, recordJobIntent, type JobIntent } from "./job-intents.js";
import type { OutboxMessage } from "./outbox-message.js";

const ACTIVE = new Set(["pending", "confirmed", "in_progress", "completed"]);
/** Job states with nothing left to cancel (HouseCall Pro's cancel unschedules; Jobber's closes). */
const NOTHING_TO_CANCEL = new Set(["cancelled", "completed", "unscheduled"]);
/** How far from the intended start a marked job is looked for (the business may have moved it since). */
const SEARCH_MARGIN_MS = 24 * 3_600_000;

/**
 * Brings the job of an appointment on a field-service platform (the tenant's
 * Jobber or HouseCall Pro schedule receives events) to the appointment's
 * state: created with customer and visit/schedule, rescheduled, cancelled.
 *
 * The platforms take no client-chosen id, so creation is made idempotent
 * here: an intent is committed before the create call, the job carries our
 * marker in its description, and an attempt that finds an intent without a
 * recorded job first looks for the marked job near the intended time (also
 * before each in-process retry of the create) and records it instead of
 * creating a second one. The record is the schedule's busy-event id (Jobber:
 * job#visit, HouseCall Pro: the job), so the sync matches it to the appointment
 * and never counts our own job as busy time. The appointment's technician,
 * when linked to the platform, is on the job created and is added to the
 * crew of the job updated.
 */
export async function convergeJob(
  ctx: AppContext,
  em: EntityManager,
  appointment: AppointmentRecord,
  target: CalendarTarget,
  topic: OutboxMessage["topic"],
): Promise<boolean> {
  const existing = target.event;
  // Booked by CreateJob: the job is the platform's own already (external_event_id), never a second one.
  if (!existing && appointment.provider === target.provider) return false;
  const key = { tenantId: appointment.tenantId, appointmentId: appointment.id, target };
  const record = (providerEventId: string, deleted: boolean) =>
    em.transactional(async (tx) => {
      await recordCalendarEvent(tx, appointment.tenantId, appointment.id, target, { providerEventId, deleted });
      await clearJobIntent(tx, key);
    });

  if (!ACTIVE.has(appointment.status)) {
    const intent = existing ? undefined : await findJobIntent(em, key);
    const jobId = existing
      ? existing.deleted
        ? undefined
        : jobIdOfBusyEvent(existing.providerEventId)
      : intent && (await onPlatform(ctx, target, (jobs, c) => findMarkedJob(jobs, c, appointment, intent)))?.id;
    if (!jobId) {
      if (intent) await clearJobIntent(em, key);
      return false;
    }
    await onPlatform(ctx, target, async (jobs, c) => {
      const job = await jobs.getJob(c, jobId).catch(unlessNotFound);
      if (job && !NOTHING_TO_CANCEL.has(job.status)) await jobs.cancelJob(c, jobId);
    });
    await record(existing?.providerEventId ?? jobId, true);
    return true;
  }

  const timeZone = await timeZoneOf(ctx, em, target, appointment.tenantId);
  if (!existing) {
    const intent = await findJobIntent(em, key);
    const wanted = { start: appointment.startTime, end: appointment.endTime };
    await recordJobIntent(em, key, wanted);
    let mayExist = intent !== undefined;
    const job = await onPlatform(ctx, target, async (jobs, c) => {
      if (mayExist) {
        const found = await findMarkedJob(jobs, c, appointment, intent ?? wanted, wanted);
        if (found) return found;
      }
      mayExist = true;
      return jobs.createJob(c, {
        customer: customerOf(appointment),
        title: appointment.title,
        description: markedJobDescription(appointment.id, appointment.description),
        start: appointment.startTime,
        end: appointment.endTime,
        timeZone,
        ...crewOf(target),
      });
    });
    const eventId = await onPlatform(ctx, target, (jobs, c) => scheduledWorkIdOf(jobs, c, job, wanted));
    await record(eventId, false);
    return true;
  }
  if (existing.deleted || topic === "appointment.created") return false;
  try {
    await onPlatform(ctx, target, (jobs, c) =>
      jobs.updateJob(c, jobIdOfBusyEvent(existing.providerEventId), {
        title: appointment.title,
        description: markedJobDescription(appointment.id, appointment.description),
        schedule: { start: appointment.startTime, end: appointment.endTime, timeZone },
        ...crewOf(target),
      }),
    );
  } catch (error) {
    // Gone from the platform: the sync brings that back as a cancellation; never re-create it here.
    if (error instanceof ProviderError && error.kind === "not_found") return false;
    throw error;
  }
  await record(existing.providerEventId, false);
  return true;
}

/** The customer as the platform gets it: the one place job delivery reads the appointment's customer fields. */
function customerOf(appointment: AppointmentRecord): CustomerDetails {
  return {
    name: appointment.customerName,
    phone: appointment.customerPhone,
    ...(appointment.customerEmail ? { email: appointment.customerEmail } : {}),
    ...(appointment.address ? { address: appointment.address } : {}),
  };
}

/**
 * The booked technician for the job's crew, when linked to this platform.
 * The adapters add them to whoever is on the crew (read, merge, write: the
 * platforms replace the whole list), so the business's own dispatching stays.
 */
function crewOf(target: CalendarTarget): { technicianId?: string } {
  return target.crewMemberId ? { technicianId: target.crewMemberId } : {};
}

/** A job an earlier attempt created: our marker, scheduled near the time it was created for. */
async function findMarkedJob(
  jobs: FieldServiceProvider,
  credentials: FieldServiceCredentials,
  appointment: AppointmentRecord,
  ...around: JobIntent[]
): Promise<Job | undefined> {
  const start = Math.min(...around.map((w) => w.start.getTime())) - SEARCH_MARGIN_MS;
  const end = Math.max(...around.map((w) => w.start.getTime())) + SEARCH_MARGIN_MS;
  const listed = await jobs.listJobs(credentials, { window: { start: new Date(start), end: new Date(end) } });
  return listed.find((job) => isMarkedJob(job.description, appointment.id));
}

/** The id the schedule's busy listing gives the job's work (Jobber: job#visit), so the sync recognises it. */
async function scheduledWorkIdOf(
  jobs: FieldServiceProvider,
  credentials: FieldServiceCredentials,
  job: Job,
  wanted: JobIntent,
): Promise<string> {
  const window = { start: new Date(wanted.start.getTime() - 60_000), end: new Date(wanted.end.getTime() + 60_000) };
  const item = (await jobs.listBusyTime(credentials, window)).find((i) => i.jobId === job.id);
  return item ? busyEventIdOf(item) : job.id;
}

async function timeZoneOf(ctx: AppContext, em: EntityManager, target: CalendarTarget, tenantId: string) {
  if (target.timeZone) return target.timeZone;
  const integration = await em.findOne(CalendarIntegrationSchema, { id: target.integrationId });
  return integration?.accountSettings.timeZone ?? (await loadSchedulingRules(ctx.sql, tenantId)).rules.timeZone;
}

/** One attempt on the platform: credentials, the account's shared budget, the one retry policy. */
function onPlatform<T>(
  ctx: AppContext,
  target: CalendarTarget,
  call: (jobs: FieldServiceProvider, credentials: FieldServiceCredentials) => Promise<T>,
): Promise<T> {
  return callProvider(ctx, target.integrationId, (credentials, provider) => {
    const jobs = provider.capabilities.fieldServiceJobs;
    if (!jobs) throw new Error(`${provider.name} has no field-service jobs`);
    return call(jobs, credentials);
  });
}

function unlessNotFound(error: unknown): undefined {
  if (error instanceof ProviderError && error.kind === "not_found") return undefined;
  throw error;
}

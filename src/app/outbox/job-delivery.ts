import type { EntityManager } from "@mikro-orm/postgresql";
import { isMarkedJob, markedJobDescription } from "../../domain/outbox/job-marker.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { jobIdOfBusyEvent } from "../../providers/field-service/field-service-busy-time.js";
import type {
  CustomerDetails,
  FieldServiceCredentials,
  FieldServiceProvider,
  Job,
  NewJob,
} from "../../providers/field-service/field-service-provider.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AppointmentRecord } from "../appointments/appointment-record.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import type { AppContext } from "../context.js";
import { scheduledWorkIdOf } from "../field-service/scheduled-work-id.js";
import { customerLockKeys } from "../shared/customer-lock.js";
import { callProvider } from "../integrations/provider-call.js";
import { recordCalendarEvent, recordedEventOf, type CalendarTarget, type RecordedEvent } from "./calendar-targets.js";
import { clearJobIntent, findJobIntent, recordIntendedJobId, recordJobIntent, type JobIntent } from "./job-intents.js";
import type { OutboxMessage } from "./outbox-message.js";

const ACTIVE = new Set(["pending", "confirmed", "in_progress", "completed"]);
/** Job states with nothing left to cancel (HouseCall Pro's cancel unschedules; Jobber's closes). */
const NOTHING_TO_CANCEL = new Set(["cancelled", "completed", "unscheduled"]);
/** How far from the intended start a marked job is looked for where the platform lists jobs by schedule. */
const SEARCH_MARGIN_MS = 24 * 3_600_000;

/**
 * Brings the job of an appointment on a field-service platform (the tenant's
 * Jobber or HouseCall Pro schedule receives events) to the appointment's
 * state: created with customer and visit/schedule, rescheduled, cancelled.
 *
 * The platforms take no client-chosen id, so creation is made idempotent
 * here: an intent is committed before the create call, the platform's job id
 * is added to it the moment the platform names the job (Jobber creates the
 * job, then its visit, in two calls), and the job carries our marker in its
 * description. An attempt that finds an intent with a job id completes that
 * job (its visit, its crew) instead of creating one; one that finds an intent
 * without (the platform's answer was lost) first looks for the marked job
 * among the customer's jobs (also before each in-process retry of the create).
 * One delivery per appointment and schedule runs at a time on every instance:
 * a worker whose outbox claim ran out mid-create, still calling the platform,
 * finishes before the one that took the row over reads what it recorded. It
 * also holds the customer's locks (customerLockKeys), so two appointments of
 * one new customer, or one and a CreateJob, make one customer on the platform.
 *
 * The record is the schedule's busy-event id (Jobber: job#visit, HouseCall
 * Pro: the job), so the sync matches it to the appointment and never counts
 * our own job as busy time. The appointment's technician, when linked to the
 * platform, is on the job created and is added to the crew of the job updated.
 */
export function convergeJob(
  ctx: AppContext,
  em: EntityManager,
  appointment: AppointmentRecord,
  target: CalendarTarget,
  topic: OutboxMessage["topic"],
): Promise<boolean> {
  const locks = [
    `job-delivery:${appointment.tenantId}:${appointment.id}:${target.calendarId}`,
    ...customerLockKeys(target.integrationId, customerOf(appointment)),
  ];
  return ctx.jobs.exclusive(locks, async () => {
    const existing = await recordedEventOf(em, appointment.tenantId, appointment.id, target.calendarId);
    return converge(ctx, em, appointment, target, existing, topic);
  });
}

async function converge(
  ctx: AppContext,
  em: EntityManager,
  appointment: AppointmentRecord,
  target: CalendarTarget,
  existing: CalendarTarget["event"],
  topic: OutboxMessage["topic"],
): Promise<boolean> {
  // Booked by CreateJob: the job is the platform's own already (external_event_id), never a second one.
  if (!existing && appointment.provider === target.provider) return false;
  const key = { tenantId: appointment.tenantId, appointmentId: appointment.id, target };
  const record = (providerEventId: string, deleted: boolean) =>
    em.transactional(async (tx) => {
      const crewMemberId = deleted ? undefined : target.crewMemberId;
      await recordCalendarEvent(tx, appointment.tenantId, appointment.id, target, {
        providerEventId,
        deleted,
        crewMemberId,
      });
      await clearJobIntent(tx, key);
    });

  if (!ACTIVE.has(appointment.status)) {
    const intent = existing ? undefined : await findJobIntent(em, key);
    const jobId = existing
      ? existing.deleted
        ? undefined
        : jobIdOfBusyEvent(existing.providerEventId)
      : intent &&
        (intent.jobId ?? (await onPlatform(ctx, target, (jobs, c) => findMarkedJob(jobs, c, appointment, intent)))?.id);
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
    const newJob: NewJob = {
      customer: customerOf(appointment),
      title: appointment.title,
      description: markedJobDescription(appointment.id, appointment.description),
      start: appointment.startTime,
      end: appointment.endTime,
      timeZone,
      ...crewOf(target),
    };
    let jobId = intent?.jobId;
    let mayExist = intent !== undefined;
    let job: Job;
    try {
      job = await onPlatform(ctx, target, async (jobs, c) => {
        if (!jobId && mayExist) jobId = (await findMarkedJob(jobs, c, appointment, intent ?? wanted, wanted))?.id;
        if (jobId) return jobs.completeJob(c, jobId, newJob);
        mayExist = true;
        return jobs.createJob(c, newJob, async (id) => {
          jobId = id;
          await recordIntendedJobId(em, key, id);
        });
      });
    } catch (error) {
      // Deleted on the platform before we recorded it: the business's doing, never re-created here.
      if (jobId && isNotFound(error)) {
        await record(jobId, true);
        return false;
      }
      throw error;
    }
    const eventId = await onPlatform(ctx, target, (jobs, c) => scheduledWorkIdOf(jobs, c, job, wanted));
    await record(eventId, false);
    return true;
  }
  if (existing.deleted || topic === "appointment.created") return false;
  try {
    await onPlatform(ctx, target, (jobs, c) =>
      jobs.updateJob(c, jobIdOfBusyEvent(existing.providerEventId), {
        title: appointment.title,
        schedule: { start: appointment.startTime, end: appointment.endTime, timeZone },
        ...crewOf(target),
        // A job booked by CreateJob keeps the instructions and crew its caller gave it.
        ...(existing.bookedAsJob
          ? {}
          : {
              description: markedJobDescription(appointment.id, appointment.description),
              ...releasedCrewOf(target, existing),
            }),
      }),
    );
  } catch (error) {
    // Gone from the platform: the sync brings that back as a cancellation; never re-create it here.
    if (isNotFound(error)) return false;
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

/**
 * The technician this service put on the job's crew when it is no longer the
 * booked one (the appointment was reassigned): taken off again. Whoever the
 * business dispatched stays.
 */
function releasedCrewOf(target: CalendarTarget, existing: RecordedEvent): { releasedTechnicianId?: string } {
  return existing.crewMemberId && existing.crewMemberId !== target.crewMemberId
    ? { releasedTechnicianId: existing.crewMemberId }
    : {};
}

/** A job an earlier attempt created without our learning its id: our marker, where the platform would show it. */
async function findMarkedJob(
  jobs: FieldServiceProvider,
  credentials: FieldServiceCredentials,
  appointment: AppointmentRecord,
  ...around: JobIntent[]
): Promise<Job | undefined> {
  const start = Math.min(...around.map((w) => w.start.getTime())) - SEARCH_MARGIN_MS;
  const end = Math.max(...around.map((w) => w.start.getTime())) + SEARCH_MARGIN_MS;
  const listed = await jobs.findCreatedJobs(credentials, {
    customer: customerOf(appointment),
    window: { start: new Date(start), end: new Date(end) },
  });
  return listed.find((job) => isMarkedJob(job.description, appointment.id));
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

function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.kind === "not_found";
}

function unlessNotFound(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}

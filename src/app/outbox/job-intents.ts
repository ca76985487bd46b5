import type { EntityManager } from "@mikro-orm/postgresql";
import type { CalendarTarget } from "./calendar-targets.js";

/** A job creation begun and not yet recorded: the job may exist on the platform, scheduled in this window. */
export interface JobIntent {
  start: Date;
  end: Date;
  /** The platform's job, once it answered with one: what a later attempt completes. */
  jobId?: string;
}

interface Key {
  tenantId: string;
  appointmentId: string;
  target: Pick<CalendarTarget, "calendarId">;
}

export async function findJobIntent(em: EntityManager, key: Key): Promise<JobIntent | undefined> {
  const [row] = await em.execute<{ start_time: Date; end_time: Date; job_id: string | null }[]>(
    `select start_time, end_time, job_id from appointment_job_intents
     where tenant_id = ? and appointment_id = ?::uuid and calendar_id = ?::uuid`,
    [key.tenantId, key.appointmentId, key.target.calendarId],
  );
  if (!row) return undefined;
  return {
    start: new Date(row.start_time),
    end: new Date(row.end_time),
    ...(row.job_id ? { jobId: row.job_id } : {}),
  };
}

/** Committed before the platform is called, so a crash after its success leaves a trace. Keeps a recorded job id. */
export async function recordJobIntent(
  em: EntityManager,
  key: Key,
  intent: Pick<JobIntent, "start" | "end">,
): Promise<void> {
  await em.execute(
    `insert into appointment_job_intents (tenant_id, appointment_id, calendar_id, start_time, end_time)
     values (?, ?::uuid, ?::uuid, ?, ?)
     on conflict (tenant_id, appointment_id, calendar_id) do update set
       start_time = excluded.start_time, end_time = excluded.end_time`,
    [key.tenantId, key.appointmentId, key.target.calendarId, intent.start, intent.end],
    "run",
  );
}

/** Committed the moment the platform names the job, before anything else is asked of it. */
export async function recordIntendedJobId(em: EntityManager, key: Key, jobId: string): Promise<void> {
  await em.execute(
    `update appointment_job_intents set job_id = ?
     where tenant_id = ? and appointment_id = ?::uuid and calendar_id = ?::uuid`,
    [jobId, key.tenantId, key.appointmentId, key.target.calendarId],
    "run",
  );
}

/** In the transaction that records the job (or finds there is none to record). */
export async function clearJobIntent(em: EntityManager, key: Key): Promise<void> {
  await em.execute(
    `delete from appointment_job_intents where tenant_id = ? and appointment_id = ?::uuid and calendar_id = ?::uuid`,
    [key.tenantId, key.appointmentId, key.target.calendarId],
    "run",
  );
}

import type { EntityManager } from "@mikro-orm/postgresql";
import type { CalendarTarget } from "./calendar-targets.js";

/** A job creation begun and not yet recorded: the job may exist on the platform, scheduled in this window. */
export interface JobIntent {
  start: Date;
  end: Date;
}

interface Key {
  tenantId: string;
  appointmentId: string;
  target: Pick<CalendarTarget, "calendarId">;
}

export async function findJobIntent(em: EntityManager, key: Key): Promise<JobIntent | undefined> {
  const [row] = await em.execute<{ start_time: Date; end_time: Date }[]>(
    `select start_time, end_time from appointment_job_intents
     where tenant_id = ? and appointment_id = ?::uuid and calendar_id = ?::uuid`,
    [key.tenantId, key.appointmentId, key.target.calendarId],
  );
  return row ? { start: new Date(row.start_time), end: new Date(row.end_time) } : undefined;
}

/** Committed before the platform is called, so a crash after its success leaves a trace. */
export async function recordJobIntent(em: EntityManager, key: Key, intent: JobIntent): Promise<void> {
  await em.execute(
    `insert into appointment_job_intents (tenant_id, appointment_id, calendar_id, start_time, end_time)
     values (?, ?::uuid, ?::uuid, ?, ?)
     on conflict (tenant_id, appointment_id, calendar_id) do update set
       start_time = excluded.start_time, end_time = excluded.end_time`,
    [key.tenantId, key.appointmentId, key.target.calendarId, intent.start, intent.end],
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

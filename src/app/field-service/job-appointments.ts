import type { EntityManager } from "@mikro-orm/postgresql";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";

/**
 * The appointment behind each job: one CreateJob booked as that job (provider
 * jobber / housecall_pro, external_event_id the platform's job id), or one
 * delivered to the platform as that job (its event there, Jobber `job#visit`,
 * HouseCall Pro the job). The appointments' no-overlap rules hold for both, and
 * UpdateJob, CancelJob and ListJobs reach the appointment either way.
 */
export async function appointmentsOfJobs(
  em: EntityManager,
  tenantId: string,
  provider: string,
  jobIds: string[],
): Promise<Map<string, Appointment>> {
  if (jobIds.length === 0) return new Map();
  const rows = await em.execute<{ job_id: string; appointment_id: string }[]>(
    `select a.external_event_id as job_id, a.id::text as appointment_id
     from appointments a
     where a.tenant_id = ? and a.provider = ? and a.external_event_id in (?)
     union
     select split_part(m.provider_event_id, '#', 1), m.appointment_id::text
     from appointment_calendar_events m join calendar_integrations i on i.id = m.integration_id
     where m.tenant_id = ? and i.provider = ? and m.deleted_at is null
       and split_part(m.provider_event_id, '#', 1) in (?)`,
    [tenantId, provider, jobIds, tenantId, provider, jobIds],
  );
  if (rows.length === 0) return new Map();
  const appointments = await em.find(AppointmentSchema, { id: { $in: rows.map((row) => row.appointment_id) } });
  const byId = new Map(appointments.map((appointment) => [appointment.id, appointment]));
  return new Map(
    rows.flatMap((row) => (byId.has(row.appointment_id) ? [[row.job_id, byId.get(row.appointment_id)!]] : [])),
  );
}

export async function appointmentOfJob(
  em: EntityManager,
  tenantId: string,
  provider: string,
  jobId: string,
): Promise<Appointment | undefined> {
  return (await appointmentsOfJobs(em, tenantId, provider, [jobId])).get(jobId);
}

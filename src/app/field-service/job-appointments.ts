import type { EntityManager } from "@mikro-orm/postgresql";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";

/**
 * Jobs we created are recorded as appointments of provider jobber /
 * housecall_pro whose external_event_id is the platform's job id: the
 * appointments' no-overlap rules hold for them, and a sync or a delivery
 * worker can tell a job-backed appointment from one still to be delivered.
 */
export async function appointmentsOfJobs(
  em: EntityManager,
  tenantId: string,
  provider: string,
  jobIds: string[],
): Promise<Map<string, Appointment>> {
  if (jobIds.length === 0) return new Map();
  const rows = await em.find(AppointmentSchema, { tenantId, provider, externalEventId: { $in: jobIds } });
  return new Map(rows.map((row) => [row.externalEventId ?? "", row]));
}

export async function appointmentOfJob(
  em: EntityManager,
  tenantId: string,
  provider: string,
  jobId: string,
): Promise<Appointment | undefined> {
  return (await appointmentsOfJobs(em, tenantId, provider, [jobId])).get(jobId);
}

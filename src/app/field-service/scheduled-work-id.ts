import { busyEventIdOf } from "../../providers/field-service/field-service-busy-time.js";
import type {
  FieldServiceCredentials,
  FieldServiceProvider,
  Job,
} from "../../providers/field-service/field-service-provider.js";

/**
 * The id the schedule's busy listing gives a job's work at `scheduled`
 * (Jobber: job#visit, HouseCall Pro: the job), recorded as the appointment's
 * event there so the sync recognises it: not busy time a second time, and its
 * moves and removal brought back to the appointment. Named from the job as
 * the platform answered it when it says (no call: a failed listing left a
 * booked job unfollowed); else looked up in the listing around `scheduled`.
 */
export async function scheduledWorkIdOf(
  jobs: FieldServiceProvider,
  credentials: FieldServiceCredentials,
  job: Job,
  scheduled: { start: Date; end: Date },
): Promise<string> {
  if (job.scheduledWorkId) return busyEventIdOf({ id: job.scheduledWorkId, jobId: job.id });
  const window = {
    start: new Date(scheduled.start.getTime() - 60_000),
    end: new Date(scheduled.end.getTime() + 60_000),
  };
  const item = (await jobs.listBusyTime(credentials, window)).find((i) => i.jobId === job.id);
  return item ? busyEventIdOf(item) : job.id;
}

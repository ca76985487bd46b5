import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { parseLocalDate } from "../../domain/availability/local-date.js";
import { localToUtc, utcToLocal } from "../../domain/availability/time-zone.js";
import { requirePage } from "../../domain/validation.js";
import type { Job, JobStatus } from "../../providers/field-service/field-service-provider.js";
import type { AppContext } from "../context.js";
import { callFieldService, fieldServiceTargetOf } from "./field-service-integration.js";
import { appointmentsOfJobs } from "./job-appointments.js";

export interface ListJobsInput {
  tenantId: string;
  provider: string;
  /** YYYY-MM-DD in the business's zone; "" for today. */
  startDate: string;
  /** YYYY-MM-DD, inclusive; "" for 30 days after startDate. */
  endDate: string;
  status?: JobStatus;
  page: number;
  limit: number;
}

export interface ListedJob extends Job {
  appointmentId?: string;
}

export interface ListJobsResult {
  jobs: ListedJob[];
  pagination: { page: number; limit: number; total: number; totalPages: number; hasMore: boolean };
}

const DEFAULT_DAYS = 30;
const MAX_DAYS = 62;

/**
 * Jobs scheduled in a window of local dates, in start order. The adapters
 * follow the platform's cursors (Jobber) or pages (HouseCall Pro) to the end
 * of the window, so our page/limit and pagination.total are exact.
 */
export async function listJobs(ctx: AppContext, _caller: Caller, input: ListJobsInput): Promise<ListJobsResult> {
  const page = requirePage(input.page, input.limit);
  const target = await fieldServiceTargetOf(ctx, input.tenantId, input.provider);
  const today = utcToLocal(target.timeZone, ctx.clock.now().getTime()).epochDay;
  const firstDay = input.startDate ? dateField("start_date", input.startDate) : today;
  const lastDay = input.endDate ? dateField("end_date", input.endDate) : firstDay + DEFAULT_DAYS;
  if (lastDay < firstDay) throw new InvalidArgumentError("end_date", "must not be before start_date");
  if (lastDay - firstDay + 1 > MAX_DAYS) throw new InvalidArgumentError("end_date", `at most ${MAX_DAYS} days`);
  const window = {
    start: new Date(localToUtc(target.timeZone, firstDay, 0)),
    end: new Date(localToUtc(target.timeZone, lastDay + 1, 0)),
  };
  const all = await callFieldService(ctx, target, (jobs, credentials) =>
    jobs.listJobs(credentials, { window, ...(input.status ? { status: input.status } : {}) }),
  );
  all.sort((a, b) => (a.start?.getTime() ?? 0) - (b.start?.getTime() ?? 0) || a.id.localeCompare(b.id));
  const slice = all.slice(page.offset, page.offset + page.limit);
  const appointments = await appointmentsOfJobs(
    ctx.orm.em.fork(),
    input.tenantId,
    input.provider,
    slice.map((job) => job.id),
  );
  const totalPages = Math.ceil(all.length / page.limit);
  return {
    jobs: slice.map((job) => {
      const appointment = appointments.get(job.id);
      return appointment ? { ...job, appointmentId: appointment.id } : job;
    }),
    pagination: {
      page: page.page,
      limit: page.limit,
      total: all.length,
      totalPages,
      hasMore: page.page < totalPages,
    },
  };
}

function dateField(field: string, text: string): number {
  const day = parseLocalDate(text);
  if (day === undefined) throw new InvalidArgumentError(field, "must be a date YYYY-MM-DD");
  return day;
}

import type { CountryCode } from "libphonenumber-js";
import { DateTime } from "../../../domain/luxon.js";
import { customerPhone } from "../customer-matching.js";
import type { Customer, Job, JobStatus, Technician } from "../field-service-provider.js";
import { decimalFromUnits } from "../money.js";
import type { Connection } from "./jobber-graphql.js";

export interface JobberAddress {
  street1?: string | null;
  street2?: string | null;
  city?: string | null;
  province?: string | null;
  postalCode?: string | null;
}

export interface JobberClient {
  id: string;
  name: string;
  phones?: { number: string }[] | null;
  emails?: { address: string }[] | null;
  clientProperties?: Connection<{ id: string; address?: JobberAddress | null }> | null;
}

export interface JobberUser {
  id: string;
  name?: { full?: string | null } | null;
}

export interface JobberVisit {
  id: string;
  title?: string | null;
  startAt?: string | null;
  endAt?: string | null;
  isComplete?: boolean | null;
  job?: { id: string } | null;
  assignedUsers?: Connection<JobberUser> | null;
}

export interface JobberJob {
  id: string;
  title?: string | null;
  instructions?: string | null;
  jobStatus: string;
  jobType?: string | null;
  startAt?: string | null;
  endAt?: string | null;
  total?: number | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  client?: JobberClient | null;
  property?: { address?: JobberAddress | null } | null;
  visits?: Connection<JobberVisit> | null;
}

/**
 * Jobber's JobStatusTypeEnum (the job list's tabs). Jobber has no "in
 * progress" or "cancelled" job status: work under way stays active/today, and
 * a cancelled job is closed (archived) like a finished one.
 */
export function jobStatusOf(jobberStatus: string): JobStatus {
  switch (jobberStatus.toLowerCase()) {
    case "unscheduled":
      return "unscheduled";
    case "requires_invoicing":
    case "archived":
      return "completed";
    default:
      return "scheduled";
  }
}

export function addressLine(address: JobberAddress | null | undefined): string | undefined {
  if (!address) return undefined;
  const line = [address.street1, address.street2, address.city, address.province, address.postalCode]
    .filter((p) => p?.trim())
    .join(", ");
  return line || undefined;
}

export function customerOf(client: JobberClient, region: CountryCode): Customer {
  return {
    id: client.id,
    name: client.name,
    phone: customerPhone(client.phones?.[0]?.number, region),
    email: client.emails?.[0]?.address || undefined,
    address: addressLine(client.clientProperties?.nodes[0]?.address),
  };
}

export function technicianOf(user: JobberUser): Technician {
  return { id: user.id, name: user.name?.full ?? "" };
}

/** The visit that says when the job happens: the first incomplete scheduled one. */
export function nextVisit(job: JobberJob): JobberVisit | undefined {
  const visits = job.visits?.nodes ?? [];
  return visits.find((v) => !v.isComplete && v.startAt && v.endAt) ?? visits.find((v) => v.startAt && v.endAt);
}

const dateOf = (iso: string | null | undefined): Date | undefined => (iso ? new Date(iso) : undefined);

export function jobOf(job: JobberJob, region: CountryCode): Job {
  const visit = nextVisit(job);
  const crew = new Map<string, Technician>();
  for (const v of job.visits?.nodes ?? []) {
    if (v.isComplete) continue;
    for (const user of v.assignedUsers?.nodes ?? []) crew.set(user.id, technicianOf(user));
  }
  const customer = job.client ? customerOf(job.client, region) : undefined;
  const propertyAddress = addressLine(job.property?.address);
  return {
    id: job.id,
    title: job.title ?? "",
    description: job.instructions || undefined,
    status: jobStatusOf(job.jobStatus),
    providerStatus: job.jobStatus,
    start: dateOf(visit?.startAt ?? job.startAt),
    end: dateOf(visit?.endAt ?? job.endAt),
    // Jobber's Job exposes no arrival-window field we could find documented; left out.
    customer: customer && propertyAddress ? { ...customer, address: propertyAddress } : customer,
    technicians: [...crew.values()],
    ...(visit ? { scheduledWorkId: visit.id } : {}),
    jobType: job.jobType ?? undefined,
    estimatedValue: decimalFromUnits(job.total),
    createdAt: dateOf(job.createdAt),
    updatedAt: dateOf(job.updatedAt),
  };
}

/** LocalDateTimeAttributes: Jobber schedules in local date + time + zone, not instants. */
export function localDateTime(at: Date, timeZone: string): { date: string; time: string; timezone: string } {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  return { date: local.toISODate() ?? "", time: local.toFormat("HH:mm:ss"), timezone: timeZone };
}

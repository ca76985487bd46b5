import type { CountryCode } from "libphonenumber-js";
import { customerPhone } from "../customer-matching.js";
import type { Customer, Job, JobStatus, Technician } from "../field-service-provider.js";
import { decimalFromCents } from "../money.js";

export interface HcpAddress {
  id: string;
  street?: string | null;
  street_line_2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
}

export interface HcpCustomer {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  email?: string | null;
  mobile_number?: string | null;
  home_number?: string | null;
  work_number?: string | null;
  addresses?: HcpAddress[] | null;
}

export interface HcpEmployee {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
}

export interface HcpJob {
  id: string;
  description?: string | null;
  notes?: string | unknown[] | null;
  work_status: string;
  schedule?: { scheduled_start?: string | null; scheduled_end?: string | null; arrival_window?: number | null } | null;
  /** Cents. */
  total_amount?: number | null;
  customer?: HcpCustomer | null;
  address?: HcpAddress | null;
  assigned_employees?: HcpEmployee[] | null;
  job_fields?: { job_type?: { name?: string | null } | null } | null;
  created_at?: string | null;
  updated_at?: string | null;
}

/** work_status strings, as the docs spell them ("needs scheduling", "pro canceled", ...) or with underscores. */
export function jobStatusOf(workStatus: string): JobStatus {
  const status = workStatus.toLowerCase().replace(/_/g, " ");
  if (status === "needs scheduling" || status === "unscheduled") return "unscheduled";
  if (status === "in progress") return "in_progress";
  if (status.startsWith("complete")) return "completed";
  if (status.endsWith("canceled") || status.endsWith("cancelled")) return "cancelled";
  return "scheduled";
}

const isCancelled = (job: HcpJob) => jobStatusOf(job.work_status) === "cancelled";
/** Where the job is on the schedule (busy time, listed under the job's own id): none while unscheduled or cancelled. */
export function scheduledTimesOf(job: HcpJob): { start: string; end: string } | undefined {
  const start = job.schedule?.scheduled_start;
  const end = job.schedule?.scheduled_end;
  return start && end && !isCancelled(job) ? { start, end } : undefined;
}

export function addressLine(address: HcpAddress | null | undefined): string | undefined {
  if (!address) return undefined;
  const line = [address.street, address.street_line_2, address.city, address.state, address.zip]
    .filter((p) => p?.trim())
    .join(", ");
  return line || undefined;
}

export function fullName(person: { first_name?: string | null; last_name?: string | null }): string {
  return [person.first_name, person.last_name].filter((p) => p?.trim()).join(" ");
}

export function phonesOf(customer: HcpCustomer): string[] {
  return [customer.mobile_number, customer.home_number, customer.work_number].filter((p): p is string =>
    Boolean(p?.trim()),
  );
}

export function customerOf(customer: HcpCustomer, region: CountryCode): Customer {
  return {
    id: customer.id,
    name: fullName(customer) || customer.company || "",
    phone: customerPhone(phonesOf(customer)[0], region),
    email: customer.email || undefined,
    address: addressLine(customer.addresses?.[0]),
  };
}

export function technicianOf(employee: HcpEmployee): Technician {
  return { id: employee.id, name: fullName(employee) };
}

/**
 * The unit of a job's schedule.arrival_window is not stated by HouseCall Pro:
 * writes take `arrival_window_in_minutes` (PUT /jobs/{id}/schedule), while a
 * published schema of the job reads it as seconds. The windows the app offers
 * are 15 minutes to 4 hours, so the two readings never overlap: up to 240 it
 * is minutes, from 900 (15 minutes in seconds) up it is seconds.
 */
export function arrivalWindowMinutesOf(value: number | null | undefined): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return undefined;
  return value > 240 ? Math.round(value / 60) : value;
}

const dateOf = (iso: string | null | undefined): Date | undefined => (iso ? new Date(iso) : undefined);

export function jobOf(job: HcpJob, region: CountryCode): Job {
  const customer = job.customer ? customerOf(job.customer, region) : undefined;
  const serviceAddress = addressLine(job.address);
  return {
    id: job.id,
    title: job.description ?? "",
    description: notesText(job.notes),
    status: jobStatusOf(job.work_status),
    providerStatus: job.work_status,
    start: dateOf(job.schedule?.scheduled_start),
    end: dateOf(job.schedule?.scheduled_end),
    arrivalWindowMinutes: arrivalWindowMinutesOf(job.schedule?.arrival_window),
    customer: customer && serviceAddress ? { ...customer, address: serviceAddress } : customer,
    technicians: (job.assigned_employees ?? []).map(technicianOf),
    ...(scheduledTimesOf(job) ? { scheduledWorkId: job.id } : {}),
    jobType: job.job_fields?.job_type?.name ?? undefined,
    estimatedValue: decimalFromCents(job.total_amount),
    createdAt: dateOf(job.created_at),
    updatedAt: dateOf(job.updated_at),
  };
}

/** A job's notes as one text: a string, or (as job reads list them) note objects with their content. */
function notesText(notes: HcpJob["notes"]): string | undefined {
  if (typeof notes === "string") return notes || undefined;
  const contents = (notes ?? []).flatMap((note) =>
    note && typeof note === "object" && typeof (note as { content?: unknown }).content === "string"
      ? [(note as { content: string }).content]
      : [],
  );
  return contents.length > 0 ? contents.join("\n") : undefined;
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CustomerSchema,
  DuplicateCheck,
  FieldServiceIntegrationSchema,
  JobSchema,
  JobStatus,
  JobUrgency,
  TechnicianSchema,
  type Customer,
  type FieldServiceIntegration,
  type Job,
  type Technician,
} from "../../gen/universalcalendar/v1/field_service_pb.js";
import type { JobUrgency as DomainUrgency } from "../app/field-service/job-request-fields.js";
import type { ListedJob } from "../app/field-service/list-jobs.js";
import type { SyncCustomerResult } from "../app/field-service/sync-customer.js";
import type { IntegrationView } from "../app/integrations/integration-view.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type {
  Customer as DomainCustomer,
  JobStatus as DomainJobStatus,
  Technician as DomainTechnician,
} from "../providers/field-service/field-service-provider.js";
import { providerFromName } from "./provider-mapping.js";

const STATUS: Record<DomainJobStatus, JobStatus> = {
  unscheduled: JobStatus.UNSCHEDULED,
  scheduled: JobStatus.SCHEDULED,
  in_progress: JobStatus.IN_PROGRESS,
  completed: JobStatus.COMPLETED,
  cancelled: JobStatus.CANCELLED,
};

const URGENCY: Partial<Record<JobUrgency, DomainUrgency>> = {
  [JobUrgency.LOW]: "low",
  [JobUrgency.NORMAL]: "normal",
  [JobUrgency.HIGH]: "high",
  [JobUrgency.EMERGENCY]: "emergency",
};

const DUPLICATE_CHECK: Record<SyncCustomerResult["duplicateCheck"], DuplicateCheck> = {
  none: DuplicateCheck.NONE,
  phone: DuplicateCheck.PHONE,
  email: DuplicateCheck.EMAIL,
};

/** JOB_STATUS_UNSPECIFIED is "any status". */
export function jobStatusFromProto(status: JobStatus): DomainJobStatus | undefined {
  if (status === JobStatus.UNSPECIFIED) return undefined;
  const entry = Object.entries(STATUS).find(([, value]) => value === status);
  if (!entry) throw new InvalidArgumentError("status", `unknown job status ${status}`);
  return entry[0] as DomainJobStatus;
}

export function urgencyFromProto(urgency: JobUrgency): DomainUrgency | undefined {
  return URGENCY[urgency];
}

export function duplicateCheckToProto(rule: SyncCustomerResult["duplicateCheck"]): DuplicateCheck {
  return DUPLICATE_CHECK[rule];
}

export function customerFromProto(customer: Customer | undefined) {
  return {
    name: customer?.name ?? "",
    phone: customer?.phone ?? "",
    email: customer?.email ?? "",
    address: customer?.address ?? "",
  };
}

export function customerToProto(customer: DomainCustomer): Customer {
  return create(CustomerSchema, {
    id: customer.id,
    name: customer.name,
    phone: customer.phone ?? "",
    email: customer.email ?? "",
    address: customer.address ?? "",
  });
}

export function technicianToProto(technician: DomainTechnician): Technician {
  return create(TechnicianSchema, { id: technician.id, name: technician.name });
}

export function jobToProto(provider: string, job: ListedJob): Job {
  const [technician] = job.technicians;
  return create(JobSchema, {
    id: job.id,
    provider: providerFromName(provider),
    title: job.title,
    description: job.description ?? "",
    ...(job.customer ? { customer: customerToProto(job.customer) } : {}),
    ...(job.start ? { scheduledStart: timestampFromDate(job.start) } : {}),
    ...(job.end ? { scheduledEnd: timestampFromDate(job.end) } : {}),
    status: STATUS[job.status],
    providerStatus: job.providerStatus,
    estimatedValue: job.estimatedValue ?? "",
    appointmentId: job.appointmentId ?? "",
    ...(job.createdAt ? { createdAt: timestampFromDate(job.createdAt) } : {}),
    ...(job.updatedAt ? { updatedAt: timestampFromDate(job.updatedAt) } : {}),
    ...(technician ? { technician: technicianToProto(technician) } : {}),
    technicians: job.technicians.map(technicianToProto),
    jobType: job.jobType ?? "",
    arrivalWindowMinutes: job.arrivalWindowMinutes ?? 0,
  });
}

/** Busy-time sync is on while the integration is active and its schedule is checked for conflicts. */
export function syncEnabledOf(view: IntegrationView): boolean {
  return view.status === "active" && view.calendars.some((c) => c.checkConflicts);
}

export function fieldServiceIntegrationToProto(view: IntegrationView): FieldServiceIntegration {
  return create(FieldServiceIntegrationSchema, {
    id: view.id,
    tenantId: view.tenantId,
    provider: providerFromName(view.provider),
    accountName: view.accountName,
    connectedAt: timestampFromDate(view.connectedAt),
    accountId: view.accountEmail,
    syncEnabled: syncEnabledOf(view),
    ...(view.lastSyncedAt ? { lastSyncAt: timestampFromDate(view.lastSyncedAt) } : {}),
    timezone: view.timeZone ?? "",
  });
}

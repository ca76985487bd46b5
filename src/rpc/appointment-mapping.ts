import { CANCELLED_IN_CALENDAR } from "../app/sync/reconcile-appointments.js";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AppointmentSchema,
  AppointmentStatus,
  CancellationReason,
  CustomerDataStatus,
  ProviderSyncStatus,
  Urgency,
  type Appointment,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import type {
  AppointmentRecord,
  CustomerDataStatus as DomainDataStatus,
} from "../app/appointments/appointment-record.js";
import type { Urgency as DomainUrgency } from "../domain/appointments/appointment-fields.js";
import type { AppointmentStatus as DomainStatus } from "../domain/appointments/appointment-status.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { providerFromName } from "./provider-mapping.js";

/** Value to name, built once (the mappings are read on every call). */
function reverse<K extends string, V>(names: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(names).map(([name, value]) => [value as V, name as K]));
}

const STATUS_TO_PROTO: Record<DomainStatus, AppointmentStatus> = {
  pending: AppointmentStatus.PENDING,
  confirmed: AppointmentStatus.CONFIRMED,
  in_progress: AppointmentStatus.IN_PROGRESS,
  completed: AppointmentStatus.COMPLETED,
  cancelled: AppointmentStatus.CANCELLED,
  no_show: AppointmentStatus.NO_SHOW,
};

const STATUS_FROM_PROTO = reverse(STATUS_TO_PROTO);

export function statusFromProto(field: string, status: AppointmentStatus): DomainStatus {
  const name = STATUS_FROM_PROTO.get(status);
  if (name === undefined) throw new InvalidArgumentError(field, `unknown status ${status}`);
  return name;
}

const REASON_NAMES: Record<CancellationReason, string> = {
  [CancellationReason.UNSPECIFIED]: "unspecified",
  [CancellationReason.CUSTOMER_REQUEST]: "customer_request",
  [CancellationReason.BUSINESS_REQUEST]: "business_request",
  [CancellationReason.RESCHEDULED]: "rescheduled",
  [CancellationReason.WEATHER]: "weather",
  [CancellationReason.TECHNICIAN_UNAVAILABLE]: "technician_unavailable",
  [CancellationReason.DUPLICATE]: "duplicate",
  [CancellationReason.OTHER]: "other",
  [CancellationReason.CANCELLED_IN_CALENDAR]: CANCELLED_IN_CALENDAR,
};

export function cancellationReasonFromProto(reason: CancellationReason): string {
  const name = REASON_NAMES[reason];
  if (name === undefined) throw new InvalidArgumentError("reason", `unknown cancellation reason ${reason}`);
  if (reason === CancellationReason.CANCELLED_IN_CALENDAR) {
    throw new InvalidArgumentError(
      "reason",
      "CANCELLED_IN_CALENDAR is set by the service when a calendar deletes an event",
    );
  }
  return name;
}

const REASONS_BY_NAME = new Map(
  Object.entries(REASON_NAMES).map(([reason, name]) => [name, Number(reason) as CancellationReason]),
);

function cancellationReasonToProto(name: string | null | undefined): CancellationReason {
  return (name !== null && name !== undefined && REASONS_BY_NAME.get(name)) || CancellationReason.UNSPECIFIED;
}

const SYNC_STATUS: Record<string, ProviderSyncStatus> = {
  not_required: ProviderSyncStatus.NOT_REQUIRED,
  pending: ProviderSyncStatus.PENDING,
  synced: ProviderSyncStatus.SYNCED,
  failed: ProviderSyncStatus.FAILED,
};

const URGENCY_TO_PROTO: Record<DomainUrgency, Urgency> = {
  normal: Urgency.NORMAL,
  high: Urgency.HIGH,
  emergency: Urgency.EMERGENCY,
};

/** UNSPECIFIED is undefined: "normal" on create, "unchanged" on update. */
const URGENCY_FROM_PROTO = reverse(URGENCY_TO_PROTO);

export function urgencyFromProto(urgency: Urgency): DomainUrgency | undefined {
  if (urgency === Urgency.UNSPECIFIED) return undefined;
  const name = URGENCY_FROM_PROTO.get(urgency);
  if (name === undefined) throw new InvalidArgumentError("urgency", `unknown urgency ${urgency}`);
  return name;
}

const DATA_STATUS_TO_PROTO: Record<DomainDataStatus, CustomerDataStatus> = {
  available: CustomerDataStatus.AVAILABLE,
  erased: CustomerDataStatus.ERASED,
  unreadable: CustomerDataStatus.UNREADABLE,
};

/**
 * job_type is the field; service_type its deprecated alias, read when
 * job_type is absent. Both given and different is a contradiction.
 */
function jobTypeOf(jobType: string | undefined, serviceType: string | undefined): string | undefined {
  if (jobType === undefined || jobType === "") return serviceType ?? jobType;
  if (serviceType !== undefined && serviceType !== "" && serviceType.trim() !== jobType.trim()) {
    throw new InvalidArgumentError("service_type", "is the deprecated name of job_type: send job_type only");
  }
  return jobType;
}

/** A timestamp field that must be a valid instant when present. */
export function optionalInstant(field: string, value: Timestamp | undefined): Date | undefined {
  if (!value) return undefined;
  const date = timestampDate(value);
  if (Number.isNaN(date.getTime()) || value.nanos < 0 || value.nanos > 999_999_999) {
    throw new InvalidArgumentError(field, "not a valid timestamp");
  }
  return date;
}

/** The fields Create and Update share; in an update `undefined` means "leave unchanged". */
interface AppointmentFieldsMessage {
  customerName?: string;
  customerPhone?: string;
  customerEmail?: string;
  title?: string;
  description?: string;
  serviceType?: string;
  jobType?: string;
  startTime?: Timestamp;
  endTime?: Timestamp;
  status: AppointmentStatus;
  address?: string;
  latitude?: number;
  longitude?: number;
  estimatedCost?: string;
  notes?: string;
  customerId?: string;
  leadId?: string;
  conversationId?: string;
  urgency: Urgency;
  estimatedDurationMinutes?: number;
  timezone?: string;
}

type TextField =
  | "customerName"
  | "customerPhone"
  | "customerEmail"
  | "title"
  | "description"
  | "address"
  | "estimatedCost"
  | "notes"
  | "customerId"
  | "leadId"
  | "conversationId"
  | "timezone"
  | "jobType";

/** Create's text fields stay strings, Update's stay optional: the same mapping serves both. */
export function appointmentFieldsFromProto<M extends AppointmentFieldsMessage>(req: M) {
  return {
    customerName: req.customerName,
    customerPhone: req.customerPhone,
    customerEmail: req.customerEmail,
    title: req.title,
    description: req.description,
    jobType: jobTypeOf(req.jobType, req.serviceType),
    start: optionalInstant("start_time", req.startTime),
    end: optionalInstant("end_time", req.endTime),
    status: req.status === AppointmentStatus.UNSPECIFIED ? undefined : statusFromProto("status", req.status),
    address: req.address,
    latitude: req.latitude,
    longitude: req.longitude,
    estimatedCost: req.estimatedCost,
    notes: req.notes,
    customerId: req.customerId,
    leadId: req.leadId,
    conversationId: req.conversationId,
    urgency: urgencyFromProto(req.urgency),
    estimatedDurationMinutes: req.estimatedDurationMinutes,
    timezone: req.timezone,
  } as Pick<M, TextField> & {
    start?: Date;
    end?: Date;
    status?: DomainStatus;
    latitude?: number;
    longitude?: number;
    urgency?: DomainUrgency;
    estimatedDurationMinutes?: number;
  };
}

/** Appointment records (or their JSON replay) to the proto message. */
/**
 * A literal of the generated type rather than create(): create() converts
 * every field of its initializer (~5 µs an appointment, 5% of
 * ListAppointments' server CPU); TypeScript still checks that no field of
 * the message is left out. test/unit/appointment-to-proto.test.ts holds it
 * to create()'s wire and JSON output.
 */
export function appointmentToProto(row: AppointmentRecord): Appointment {
  return {
    $typeName: AppointmentSchema.typeName,
    id: row.id,
    tenantId: row.tenantId,
    customerName: row.customerName,
    customerPhone: row.customerPhone,
    customerEmail: row.customerEmail ?? "",
    title: row.title,
    description: row.description ?? "",
    serviceType: row.jobType ?? "",
    jobType: row.jobType ?? "",
    startTime: timestampFromDate(row.startTime),
    endTime: timestampFromDate(row.endTime),
    status: STATUS_TO_PROTO[row.status as DomainStatus] ?? AppointmentStatus.UNSPECIFIED,
    address: row.address ?? "",
    latitude: row.latitude ?? undefined,
    longitude: row.longitude ?? undefined,
    estimatedCost: row.estimatedCost ?? "",
    notes: row.notes ?? "",
    version: BigInt(row.version),
    cancellationReason: cancellationReasonToProto(row.cancellationReason),
    cancellationNotes: row.cancellationNotes ?? "",
    cancelledAt: row.cancelledAt ? timestampFromDate(row.cancelledAt) : undefined,
    provider: providerFromName(row.provider),
    externalEventId: row.externalEventId ?? "",
    syncStatus: SYNC_STATUS[row.syncStatus] ?? ProviderSyncStatus.UNSPECIFIED,
    syncError: row.syncError ?? "",
    calendarConflict: row.calendarConflict ?? "",
    createdAt: timestampFromDate(row.createdAt),
    updatedAt: timestampFromDate(row.updatedAt),
    technicianId: row.technicianId || undefined,
    customerId: row.customerId ?? "",
    leadId: row.leadId ?? "",
    conversationId: row.conversationId ?? "",
    urgency: URGENCY_TO_PROTO[row.urgency as DomainUrgency] ?? Urgency.UNSPECIFIED,
    estimatedDurationMinutes: row.estimatedDurationMinutes ?? 0,
    timezone: row.timezone ?? "",
    customerDataStatus: DATA_STATUS_TO_PROTO[row.customerDataStatus] ?? CustomerDataStatus.UNSPECIFIED,
  };
}

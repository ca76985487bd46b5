import { CANCELLED_IN_CALENDAR } from "../app/sync/reconcile-appointments.js";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AppointmentSchema,
  AppointmentStatus,
  CancellationReason,
  ProviderSyncStatus,
  type Appointment,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import type { AppointmentStatus as DomainStatus } from "../domain/appointments/appointment-status.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Appointment as AppointmentRow } from "../entities/appointment.js";
import { providerFromName } from "./provider-mapping.js";

const STATUS_TO_PROTO: Record<DomainStatus, AppointmentStatus> = {
  pending: AppointmentStatus.PENDING,
  confirmed: AppointmentStatus.CONFIRMED,
  in_progress: AppointmentStatus.IN_PROGRESS,
  completed: AppointmentStatus.COMPLETED,
  cancelled: AppointmentStatus.CANCELLED,
  no_show: AppointmentStatus.NO_SHOW,
};

export function statusFromProto(field: string, status: AppointmentStatus): DomainStatus {
  const entry = Object.entries(STATUS_TO_PROTO).find(([, value]) => value === status);
  if (!entry) throw new InvalidArgumentError(field, `unknown status ${status}`);
  return entry[0] as DomainStatus;
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

function cancellationReasonToProto(name: string | null | undefined): CancellationReason {
  const entry = Object.entries(REASON_NAMES).find(([, value]) => value === name);
  return entry ? (Number(entry[0]) as CancellationReason) : CancellationReason.UNSPECIFIED;
}

const SYNC_STATUS: Record<string, ProviderSyncStatus> = {
  not_required: ProviderSyncStatus.NOT_REQUIRED,
  pending: ProviderSyncStatus.PENDING,
  synced: ProviderSyncStatus.SYNCED,
  failed: ProviderSyncStatus.FAILED,
};

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
  startTime?: Timestamp;
  endTime?: Timestamp;
  status: AppointmentStatus;
  address?: string;
  latitude?: number;
  longitude?: number;
  estimatedCost?: string;
  notes?: string;
}

type TextField =
  | "customerName"
  | "customerPhone"
  | "customerEmail"
  | "title"
  | "description"
  | "serviceType"
  | "address"
  | "estimatedCost"
  | "notes";

/** Create's text fields stay strings, Update's stay optional: the same mapping serves both. */
export function appointmentFieldsFromProto<M extends AppointmentFieldsMessage>(req: M) {
  return {
    customerName: req.customerName,
    customerPhone: req.customerPhone,
    customerEmail: req.customerEmail,
    title: req.title,
    description: req.description,
    serviceType: req.serviceType,
    start: optionalInstant("start_time", req.startTime),
    end: optionalInstant("end_time", req.endTime),
    status: req.status === AppointmentStatus.UNSPECIFIED ? undefined : statusFromProto("status", req.status),
    address: req.address,
    latitude: req.latitude,
    longitude: req.longitude,
    estimatedCost: req.estimatedCost,
    notes: req.notes,
  } as Pick<M, TextField> & { start?: Date; end?: Date; status?: DomainStatus; latitude?: number; longitude?: number };
}

/** Stored rows (or their JSON replay) to the proto message. */
export function appointmentToProto(row: AppointmentRow): Appointment {
  return create(AppointmentSchema, {
    id: row.id,
    tenantId: row.tenantId,
    customerName: row.customerName,
    customerPhone: row.customerPhone,
    customerEmail: row.customerEmail ?? "",
    title: row.title,
    description: row.description ?? "",
    serviceType: row.serviceType ?? "",
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
    ...(row.technicianId ? { technicianId: row.technicianId } : {}),
    ...(row.jobType ? { jobType: row.jobType } : {}),
  });
}

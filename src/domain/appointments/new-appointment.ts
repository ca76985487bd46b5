import { InvalidArgumentError } from "../errors.js";
import { requireNotInPast, requireTimeRange } from "../validation.js";
import { APPOINTMENT_FIELD_RULES as RULES } from "./appointment-fields.js";
import type { AppointmentStatus } from "./appointment-status.js";
import type { Urgency } from "./appointment-fields.js";

/** CreateAppointment's fields as the caller sent them (proto3: "" and 0 mean unset). */
export interface NewAppointmentRequest {
  customerName: string;
  customerPhone: string;
  customerEmail: string;
  title: string;
  description: string;
  jobType: string;
  start?: Date;
  end?: Date;
  address: string;
  latitude?: number;
  longitude?: number;
  estimatedCost: string;
  notes: string;
  status?: AppointmentStatus;
  notifyCustomer: boolean;
  customerId: string;
  leadId: string;
  conversationId: string;
  /** Unset: normal. */
  urgency?: Urgency;
  estimatedDurationMinutes?: number;
  timezone: string;
}

export interface NewAppointment {
  customerName: string;
  customerPhone: string;
  customerEmail: string | null;
  title: string;
  description: string | null;
  jobType: string | null;
  start: Date;
  end: Date;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  estimatedCost: string | null;
  notes: string | null;
  status: "pending" | "confirmed";
  notifyCustomer: boolean;
  customerId: string | null;
  leadId: string | null;
  conversationId: string | null;
  urgency: Urgency;
  estimatedDurationMinutes: number | null;
  timezone: string | null;
}

export function validateNewAppointment(request: NewAppointmentRequest, now: Date): NewAppointment {
  const { start, end } = requireTimeRange(request.start, request.end);
  requireNotInPast("start_time", start, now);
  const status = request.status ?? "pending";
  if (status !== "pending" && status !== "confirmed") {
    throw new InvalidArgumentError("status", "a new appointment is PENDING or CONFIRMED");
  }
  if ((request.latitude === undefined) !== (request.longitude === undefined)) {
    throw new InvalidArgumentError(
      request.latitude === undefined ? "latitude" : "longitude",
      "latitude and longitude go together",
    );
  }
  return {
    customerName: RULES.customerName(request.customerName),
    customerPhone: RULES.customerPhone(request.customerPhone),
    customerEmail: RULES.customerEmail(request.customerEmail),
    title: RULES.title(request.title),
    description: RULES.description(request.description),
    jobType: RULES.jobType(request.jobType),
    start,
    end,
    address: RULES.address(request.address),
    latitude: RULES.latitude(request.latitude),
    longitude: RULES.longitude(request.longitude),
    estimatedCost: RULES.estimatedCost(request.estimatedCost),
    notes: RULES.notes(request.notes),
    status,
    notifyCustomer: request.notifyCustomer,
    customerId: RULES.customerId(request.customerId),
    leadId: RULES.leadId(request.leadId),
    conversationId: RULES.conversationId(request.conversationId),
    urgency: request.urgency ?? "normal",
    estimatedDurationMinutes: RULES.estimatedDurationMinutes(request.estimatedDurationMinutes),
    timezone: RULES.timezone(request.timezone),
  };
}

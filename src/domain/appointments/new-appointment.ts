import { InvalidArgumentError } from "../errors.js";
import { requireNotInPast, requireTimeRange } from "../validation.js";
import { APPOINTMENT_FIELD_RULES as RULES } from "./appointment-fields.js";
import type { AppointmentStatus } from "./appointment-status.js";

/** CreateAppointment's fields as the caller sent them (proto3: "" and 0 mean unset). */
export interface NewAppointmentRequest {
  customerName: string;
  customerPhone: string;
  customerEmail: string;
  title: string;
  description: string;
  serviceType: string;
  start?: Date;
  end?: Date;
  address: string;
  latitude?: number;
  longitude?: number;
  estimatedCost: string;
  notes: string;
  status?: AppointmentStatus;
  notifyCustomer: boolean;
}

export interface NewAppointment {
  customerName: string;
  customerPhone: string;
  customerEmail: string | null;
  title: string;
  description: string | null;
  serviceType: string | null;
  start: Date;
  end: Date;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  estimatedCost: string | null;
  notes: string | null;
  status: "pending" | "confirmed";
  notifyCustomer: boolean;
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
    serviceType: RULES.serviceType(request.serviceType),
    start,
    end,
    address: RULES.address(request.address),
    latitude: RULES.latitude(request.latitude),
    longitude: RULES.longitude(request.longitude),
    estimatedCost: RULES.estimatedCost(request.estimatedCost),
    notes: RULES.notes(request.notes),
    status,
    notifyCustomer: request.notifyCustomer,
  };
}

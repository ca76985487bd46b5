import { InvalidArgumentError } from "../errors.js";
import {
  optionalCoordinate,
  optionalEmail,
  optionalMoney,
  optionalText,
  requirePhone,
  requireNotInPast,
  requireText,
  requireTimeRange,
} from "../validation.js";
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
    throw new InvalidArgumentError(request.latitude === undefined ? "latitude" : "longitude", "latitude and longitude go together");
  }
  return {
    customerName: requireText("customer_name", request.customerName, 200),
    customerPhone: requirePhone("customer_phone", request.customerPhone),
    customerEmail: optionalEmail("customer_email", request.customerEmail),
    title: requireText("title", request.title, 255),
    description: optionalText("description", request.description, 5000),
    serviceType: optionalText("service_type", request.serviceType, 100),
    start,
    end,
    address: optionalText("address", request.address, 500),
    latitude: optionalCoordinate("latitude", request.latitude, 90),
    longitude: optionalCoordinate("longitude", request.longitude, 180),
    estimatedCost: optionalMoney("estimated_cost", request.estimatedCost),
    notes: optionalText("notes", request.notes, 5000),
    status,
    notifyCustomer: request.notifyCustomer,
  };
}

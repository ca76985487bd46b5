import {
  optionalCoordinate,
  optionalEmail,
  optionalMoney,
  optionalText,
  requirePhone,
  requireText,
} from "../validation.js";

/**
 * The one table of appointment field rules (proto field name, limits), used
 * by both CreateAppointment and UpdateAppointment. Updates check fields in
 * this order, so the first bad field is the one reported.
 */
export const APPOINTMENT_FIELD_RULES = {
  customerName: (value: string) => requireText("customer_name", value, 200),
  customerPhone: (value: string) => requirePhone("customer_phone", value),
  customerEmail: (value: string) => optionalEmail("customer_email", value),
  title: (value: string) => requireText("title", value, 255),
  description: (value: string) => optionalText("description", value, 5000),
  serviceType: (value: string) => optionalText("service_type", value, 100),
  address: (value: string) => optionalText("address", value, 500),
  latitude: (value: number | undefined) => optionalCoordinate("latitude", value, 90),
  longitude: (value: number | undefined) => optionalCoordinate("longitude", value, 180),
  estimatedCost: (value: string) => optionalMoney("estimated_cost", value),
  notes: (value: string) => optionalText("notes", value, 5000),
} as const;

export type AppointmentField = keyof typeof APPOINTMENT_FIELD_RULES;

export const APPOINTMENT_FIELDS = Object.keys(APPOINTMENT_FIELD_RULES) as AppointmentField[];

import {
  optionalCoordinate,
  optionalEmail,
  optionalMinutes,
  optionalMoney,
  optionalText,
  optionalTimeZone,
  requirePhone,
  requireText,
} from "../validation.js";

export type Urgency = "normal" | "high" | "emergency";

const MINUTES_PER_DAY = 1440;

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
  jobType: (value: string) => optionalText("job_type", value, 100),
  address: (value: string) => optionalText("address", value, 500),
  latitude: (value: number | undefined) => optionalCoordinate("latitude", value, 90),
  longitude: (value: number | undefined) => optionalCoordinate("longitude", value, 180),
  estimatedCost: (value: string) => optionalMoney("estimated_cost", value),
  notes: (value: string) => optionalText("notes", value, 5000),
  customerId: (value: string) => optionalText("customer_id", value, 255),
  leadId: (value: string) => optionalText("lead_id", value, 255),
  conversationId: (value: string) => optionalText("conversation_id", value, 255),
  urgency: (value: Urgency) => value,
  estimatedDurationMinutes: (value: number | undefined) =>
    optionalMinutes("estimated_duration_minutes", value, MINUTES_PER_DAY),
  timezone: (value: string) => optionalTimeZone("timezone", value),
} as const;

export type AppointmentField = keyof typeof APPOINTMENT_FIELD_RULES;

export const APPOINTMENT_FIELDS = Object.keys(APPOINTMENT_FIELD_RULES) as AppointmentField[];

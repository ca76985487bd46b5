import { InvalidArgumentError } from "../../domain/errors.js";
import { optionalEmail, optionalMoney, optionalText, requirePhone, requireText } from "../../domain/validation.js";
import type { CustomerDetails } from "../../providers/field-service/field-service-provider.js";

export type JobUrgency = "low" | "normal" | "high" | "emergency";

/** The customer of a job request, checked field by field under its proto name. */
export function requireCustomer(customer: {
  name: string;
  phone: string;
  email: string;
  address: string;
}): CustomerDetails {
  const email = optionalEmail("customer.email", customer.email);
  const address = optionalText("customer.address", customer.address, 500);
  return {
    name: requireText("customer.name", customer.name, 200),
    phone: requirePhone("customer.phone", customer.phone),
    ...(email ? { email } : {}),
    ...(address ? { address } : {}),
  };
}

/** end_time when given, else start plus estimated_duration_minutes (1..1440). */
export function endOf(start: Date | undefined, end: Date | undefined, durationMinutes: number | undefined): Date {
  if (!start) throw new InvalidArgumentError("scheduled_start", "required");
  if (end) return end;
  if (durationMinutes === undefined || durationMinutes === 0)
    throw new InvalidArgumentError("end_time", "required, or estimated_duration_minutes");
  if (!Number.isInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > 1440)
    throw new InvalidArgumentError("estimated_duration_minutes", "must be from 1 to 1440");
  return new Date(start.getTime() + durationMinutes * 60_000);
}

export const jobText = {
  title: (value: string) => requireText("title", value, 255),
  description: (value: string) => optionalText("description", value, 5000),
  notes: (value: string) => optionalText("notes", value, 5000),
  jobType: (value: string) => optionalText("job_type", value, 100),
  leadId: (value: string) => optionalText("lead_id", value, 255),
  conversationId: (value: string) => optionalText("conversation_id", value, 255),
  technicianId: (value: string) => optionalText("technician_id", value, 255),
  estimatedValue: (value: string) => optionalMoney("estimated_value", value),
};

/**
 * What the crew reads on the platform: the caller's description and notes,
 * and the job type and urgency, which neither platform has a field for that
 * takes free text (Jobber's jobType is one-off/recurring).
 */
export function crewInstructions(parts: {
  description?: string | null;
  notes?: string | null;
  jobType?: string | null;
  urgency?: JobUrgency;
}): string | undefined {
  const lines = [
    parts.description,
    parts.notes,
    parts.jobType ? `Job type: ${parts.jobType}` : undefined,
    parts.urgency && parts.urgency !== "normal" ? `Urgency: ${parts.urgency}` : undefined,
  ].filter((line): line is string => Boolean(line));
  return lines.length > 0 ? lines.join("\n\n") : undefined;
}

import type { DateOverride, SchedulingRules, WeeklyHours } from "../availability/scheduling-rules.js";

/** A person who does jobs: a resource with their own hours and busy time. */
export interface Technician {
  id: string;
  tenantId: string;
  name: string;
  /** Job types, lower case. */
  skills: string[];
  serviceArea: string | null;
  /** Null: the business's weekly hours. */
  weeklyHours: WeeklyHours[] | null;
  /** Laid over the business's overrides; the technician's wins on a date. */
  dateOverrides: DateOverride[];
  /** integration_calendars.id whose busy time is this technician's only. */
  calendarId: string | null;
  jobberUserId: string | null;
  housecallProEmployeeId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A job type as technicians' skills store it. */
export function normalizeJobType(jobType: string): string {
  return jobType.trim().toLowerCase();
}

/** Whether the technician does jobType; no job type: everyone qualifies. */
export function isQualified(technician: Pick<Technician, "skills">, jobType: string | undefined): boolean {
  return !jobType || technician.skills.includes(normalizeJobType(jobType));
}

/** The business's rules with the technician's hours: own week (or the business's), overrides merged. */
export function technicianRules(
  business: SchedulingRules,
  technician: Pick<Technician, "weeklyHours" | "dateOverrides">,
): SchedulingRules {
  if (technician.weeklyHours === null && technician.dateOverrides.length === 0) return business;
  const own = new Set(technician.dateOverrides.map((o) => o.date));
  return {
    ...business,
    weeklyHours: technician.weeklyHours ?? business.weeklyHours,
    dateOverrides: [...business.dateOverrides.filter((o) => !own.has(o.date)), ...technician.dateOverrides],
  };
}

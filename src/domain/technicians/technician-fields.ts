import { defaultSchedulingRules, validateSchedulingRules } from "../availability/scheduling-rules.js";
import type { DateOverride, WeeklyHours } from "../availability/scheduling-rules.js";
import { InvalidArgumentError } from "../errors.js";
import { optionalText, requireText, requireUuid } from "../validation.js";
import { normalizeJobType, type Technician } from "./technician.js";

/** What CreateTechnician and UpdateTechnician set (proto3: "" means unset). */
export interface TechnicianFieldsRequest {
  name: string;
  skills: string[];
  serviceArea: string;
  weeklyHours: WeeklyHours[] | null;
  dateOverrides: DateOverride[];
  calendarId: string;
  jobberUserId: string;
  housecallProEmployeeId: string;
}

export type TechnicianFields = Pick<
  Technician,
  | "name"
  | "skills"
  | "serviceArea"
  | "weeklyHours"
  | "dateOverrides"
  | "calendarId"
  | "jobberUserId"
  | "housecallProEmployeeId"
>;

const MAX_SKILLS = 100;
const PREFIX = "technician";

/** Checks and normalizes the fields; errors name the proto field (e.g. "technician.skills[2]"). */
export function validateTechnicianFields(request: TechnicianFieldsRequest): TechnicianFields {
  const name = requireText(`${PREFIX}.name`, request.name, 255);
  if (request.skills.length > MAX_SKILLS) {
    throw new InvalidArgumentError(`${PREFIX}.skills`, `at most ${MAX_SKILLS} skills`);
  }
  const skills = request.skills.map((skill, i) => {
    const normalized = normalizeJobType(requireText(`${PREFIX}.skills[${i}]`, skill, 100));
    if (!normalized) throw new InvalidArgumentError(`${PREFIX}.skills[${i}]`, "empty");
    return normalized;
  });
  // The hours are checked as scheduling rules are (the same limits and messages).
  validateSchedulingRules(
    {
      ...defaultSchedulingRules(),
      weeklyHours: request.weeklyHours ?? [],
      dateOverrides: request.dateOverrides,
    },
    PREFIX,
  );
  return {
    name,
    skills: [...new Set(skills)],
    serviceArea: optionalText(`${PREFIX}.service_area`, request.serviceArea, 255),
    weeklyHours: request.weeklyHours,
    dateOverrides: request.dateOverrides,
    calendarId: request.calendarId ? requireUuid(`${PREFIX}.calendar_id`, request.calendarId) : null,
    jobberUserId: optionalText(`${PREFIX}.jobber_user_id`, request.jobberUserId, 255),
    housecallProEmployeeId: optionalText(`${PREFIX}.housecall_pro_employee_id`, request.housecallProEmployeeId, 255),
  };
}

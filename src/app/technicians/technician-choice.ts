import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { isQualified, normalizeJobType, type Technician } from "../../domain/technicians/technician.js";
import { requireText, requireUuid } from "../../domain/validation.js";

/** Which technicians a question or booking is about. */
export interface TechnicianChoice {
  /** This technician; absent: any qualified one. */
  technicianId?: string;
  /** Normalized job type; absent: every technician qualifies. */
  jobType?: string;
}

/**
 * The request's technician fields as a choice; undefined when it names none
 * (no technician_id, any_technician or job_type): a business-wide question.
 */
export function technicianChoiceOf(input: {
  technicianId: string;
  anyTechnician: boolean;
  jobType: string;
}): TechnicianChoice | undefined {
  const technicianId = input.technicianId.trim();
  if (technicianId && input.anyTechnician) {
    throw new InvalidArgumentError("any_technician", "give technician_id or any_technician, not both");
  }
  const jobType = input.jobType.trim() ? normalizeJobType(requireText("job_type", input.jobType, 100)) : undefined;
  if (!technicianId && !input.anyTechnician && !jobType) return undefined;
  return {
    ...(technicianId ? { technicianId: requireUuid("technician_id", technicianId) } : {}),
    ...(jobType ? { jobType } : {}),
  };
}

/**
 * The tenant's technicians the choice allows, in name order: the named one
 * (not found, or not doing the job type, is an error), or every qualified one.
 */
export function chooseTechnicians(technicians: readonly Technician[], choice: TechnicianChoice): Technician[] {
  if (!choice.technicianId) return technicians.filter((t) => isQualified(t, choice.jobType));
  const technician = technicians.find((t) => t.id === choice.technicianId);
  if (!technician) throw new NotFoundError(`technician ${choice.technicianId} not found`);
  if (!isQualified(technician, choice.jobType)) {
    throw new FailedPreconditionError(`technician ${technician.id} does not do job type "${choice.jobType}"`);
  }
  return [technician];
}

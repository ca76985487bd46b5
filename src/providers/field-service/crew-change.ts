import type { JobChanges } from "./field-service-provider.js";

/**
 * The crew a job's work should have after a change: the released technician
 * taken off, the technician added when missing, everyone else kept in their
 * order. Undefined when nothing changes, so no call is made (the platforms
 * replace the whole list on every write).
 */
export function crewAfter(
  crew: readonly string[],
  change: Pick<JobChanges, "technicianId" | "releasedTechnicianId">,
): string[] | undefined {
  const released = change.releasedTechnicianId !== change.technicianId ? change.releasedTechnicianId : undefined;
  const kept = released ? crew.filter((id) => id !== released) : [...crew];
  const next = change.technicianId && !kept.includes(change.technicianId) ? [...kept, change.technicianId] : kept;
  return next.length === crew.length && next.every((id, i) => id === crew[i]) ? undefined : next;
}

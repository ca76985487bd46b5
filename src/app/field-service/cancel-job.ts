import type { Caller } from "../../domain/caller.js";
import { optionalText, requireText } from "../../domain/validation.js";
import type { Job } from "../../providers/field-service/field-service-provider.js";
import { cancelAppointment } from "../appointments/cancel-appointment.js";
import type { AppContext } from "../context.js";
import { callFieldService, fieldServiceTargetOf } from "./field-service-integration.js";
import { appointmentOfJob } from "./job-appointments.js";

/**
 * Cancels a job on the platform (Jobber: jobClose, destroying its open
 * visits; HouseCall Pro: its schedule erased, back to "needs scheduling",
 * nobody notified) and then its appointment, which frees the time here.
 */
export async function cancelJob(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string; provider: string; jobId: string; reason: string },
): Promise<{ cancelled: boolean; job: Job }> {
  const jobId = requireText("job_id", input.jobId, 255);
  const reason = optionalText("reason", input.reason, 500) ?? "job cancelled";
  const target = await fieldServiceTargetOf(ctx, input.tenantId, input.provider);
  await callFieldService(ctx, target, (jobs, credentials) => jobs.cancelJob(credentials, jobId));
  const appointment = await appointmentOfJob(ctx.orm.em.fork(), input.tenantId, input.provider, jobId);
  if (appointment && (appointment.status === "pending" || appointment.status === "confirmed")) {
    await cancelAppointment(ctx, caller, {
      id: appointment.id,
      tenantFilter: undefined,
      reason,
      notes: "",
      notifyCustomer: false,
    });
  }
  const job = await callFieldService(ctx, target, (jobs, credentials) => jobs.getJob(credentials, jobId));
  return { cancelled: true, job };
}

/**
 * The line a job we create carries in its description (Jobber: instructions,
 * HouseCall Pro: notes): neither platform takes a client-chosen id, so this
 * is how a retry after a crash recognises the job an earlier attempt made.
 */
export function jobMarkerOf(appointmentId: string): string {
  return `[universal-calendar appointment ${appointmentId}]`;
}

/** The job description we send: the appointment's own text, then the marker on its own line. */
export function markedJobDescription(appointmentId: string, description: string | null | undefined): string {
  const text = description?.trim();
  return text ? `${text}\n\n${jobMarkerOf(appointmentId)}` : jobMarkerOf(appointmentId);
}

export function isMarkedJob(description: string | undefined, appointmentId: string): boolean {
  return description?.includes(jobMarkerOf(appointmentId)) ?? false;
}

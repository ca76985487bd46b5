/**
 * Idempotent replies are stored as JSON; this turns their ISO timestamps back
 * into Dates so a replay is indistinguishable from the first answer.
 */
const DATE_KEYS = new Set(["start", "end", "startTime", "endTime", "createdAt", "updatedAt", "cancelledAt"]);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function reviveBookingResult(stored: unknown): unknown {
  const json = typeof stored === "string" ? stored : JSON.stringify(stored);
  return JSON.parse(json, (key, value: unknown) =>
    DATE_KEYS.has(key) && typeof value === "string" && ISO_INSTANT.test(value) ? new Date(value) : value,
  );
}

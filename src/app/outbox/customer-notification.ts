import { loadAppointmentRecord } from "../appointments/appointment-record.js";
import type { AppContext } from "../context.js";
import type { OutboxMessage } from "./outbox-message.js";

/** The notification service could not take the message now; retry later. */
export class NotificationUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The notification service refused the message for good (a 4xx other than 408/429). */
export class NotificationRefused extends Error {}

const TIMEOUT_MS = 10_000;

/**
 * POSTs one customer message to AS_CONNECTION_SERVICE_URL (the request is
 * documented in docs/notifications.md). "skipped" when no URL is configured:
 * the row records that the message was not sent. The outbox row id is the
 * Idempotency-Key, so the receiver can drop a retried duplicate.
 */
export async function sendCustomerNotification(
  ctx: AppContext,
  message: Extract<OutboxMessage, { topic: "notification.customer" }>,
  tenantId: string,
  outboxId: string,
): Promise<"sent" | "skipped"> {
  const url = ctx.settings.notificationServiceUrl;
  if (!url) return "skipped";
  // The customer's contact: read through the one place that opens it.
  const appointment = await loadAppointmentRecord(
    ctx.customerKeys,
    ctx.orm.em.fork(),
    message.payload.appointmentId,
    tenantId,
  );
  if (!appointment) return "skipped";
  const body = {
    type: `appointment.${message.payload.kind}`,
    tenantId,
    appointment: {
      id: appointment.id,
      title: appointment.title,
      startTime: appointment.startTime.toISOString(),
      endTime: appointment.endTime.toISOString(),
      status: appointment.status,
      address: appointment.address ?? "",
    },
    customer: {
      name: appointment.customerName,
      phone: appointment.customerPhone,
      email: appointment.customerEmail ?? "",
    },
    ...(message.payload.reason ? { reason: message.payload.reason } : {}),
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": `uc-outbox-${outboxId}`,
        ...(ctx.settings.notificationServiceKey ? { "x-service-key": ctx.settings.notificationServiceKey } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new NotificationUnavailable(`notification service unreachable: ${(error as Error).message}`);
  }
  await response.arrayBuffer();
  if (response.ok) return "sent";
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    const seconds = Number(response.headers.get("retry-after"));
    throw new NotificationUnavailable(
      `notification service answered ${response.status}`,
      Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined,
    );
  }
  throw new NotificationRefused(`notification service refused the message (HTTP ${response.status})`);
}

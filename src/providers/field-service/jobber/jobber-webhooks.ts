import { ProviderError } from "../../kit/provider-error.js";
import { hmacSha256, signatureMatches } from "../../kit/signatures.js";
import type { IncomingWebhook, WebhookOutcome, WebhookVerifier } from "../../kit/webhook-verifier.js";

interface JobberWebhookBody {
  data?: { webHookEvent?: { topic?: unknown; accountId?: unknown; itemId?: unknown } };
}

/**
 * Jobber's app webhooks: X-Jobber-Hmac-SHA256 is the base64 HMAC-SHA256 of
 * the raw body under the app's OAuth client secret; the body is
 * {"data":{"webHookEvent":{"topic","appId","accountId","itemId","occurredAt"}}}.
 * Delivery is at least once: the same event may come again.
 */
export class JobberWebhookVerifier implements WebhookVerifier {
  constructor(private readonly secret: string) {}

  verify(webhook: IncomingWebhook): WebhookOutcome {
    const signature = webhook.headers["x-jobber-hmac-sha256"];
    if (!this.secret || !signatureMatches(hmacSha256(this.secret, webhook.body), signature, "base64")) {
      throw new ProviderError("jobber", "unauthorized", "X-Jobber-Hmac-SHA256 does not match the body");
    }
    let event: NonNullable<JobberWebhookBody["data"]>["webHookEvent"];
    try {
      event = (JSON.parse(webhook.body.toString("utf8")) as JobberWebhookBody).data?.webHookEvent;
    } catch {
      event = undefined;
    }
    if (!event || typeof event.accountId !== "string" || typeof event.topic !== "string") {
      throw new ProviderError("jobber", "bad_request", "body is not a Jobber webHookEvent");
    }
    return {
      kind: "notices",
      notices: [
        {
          event: "changed",
          accountId: event.accountId,
          resourceIds: typeof event.itemId === "string" ? [event.itemId] : [],
        },
      ],
    };
  }
}

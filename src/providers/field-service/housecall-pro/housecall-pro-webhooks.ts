import { ProviderError } from "../../kit/provider-error.js";
import { hmacSha256, signatureMatches } from "../../kit/signatures.js";
import type { IncomingWebhook, WebhookOutcome, WebhookVerifier } from "../../kit/webhook-verifier.js";

/** A signed push older or newer than this is refused, so a captured one cannot be replayed later. */
export const HOUSECALL_PRO_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/**
 * HouseCall Pro webhooks (scheme in docs/webhooks.md): Api-Timestamp is the
 * send time in Unix seconds, Api-Signature the hex HMAC-SHA256 of
 * "<Api-Timestamp>.<raw body>" under HOUSECALLPRO_WEBHOOK_SECRET. The body
 * is {"event": "job.updated", "company_id": "...", "job": {"id": ...}}: the
 * company id names the integration, the object's id the item.
 */
export class HousecallProWebhookVerifier implements WebhookVerifier {
  constructor(private readonly secret: string) {}

  verify(webhook: IncomingWebhook): WebhookOutcome {
    const timestamp = webhook.headers["api-timestamp"] ?? "";
    const signature = webhook.headers["api-signature"];
    const expected = hmacSha256(this.secret, Buffer.concat([Buffer.from(`${timestamp}.`), webhook.body]));
    if (!this.secret || !/^\d{1,12}$/.test(timestamp) || !signatureMatches(expected, signature, "hex")) {
      throw new ProviderError("housecall_pro", "unauthorized", "Api-Signature does not match the body");
    }
    if (Math.abs(webhook.receivedAt.getTime() - Number(timestamp) * 1000) > HOUSECALL_PRO_SIGNATURE_TOLERANCE_MS) {
      throw new ProviderError("housecall_pro", "unauthorized", "Api-Timestamp outside the accepted window");
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(webhook.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new ProviderError("housecall_pro", "bad_request", "body is not JSON");
    }
    const companyId = body.company_id;
    if (typeof body.event !== "string" || (typeof companyId !== "string" && typeof companyId !== "number")) {
      throw new ProviderError("housecall_pro", "bad_request", "body has no event or company_id");
    }
    const subject = body[body.event.split(".")[0] ?? ""] as { id?: unknown } | undefined;
    return {
      kind: "notices",
      notices: [
        {
          event: "changed",
          accountId: String(companyId),
          resourceIds: typeof subject?.id === "string" ? [subject.id] : [],
        },
      ],
    };
  }
}

import type { AppContext } from "../app/context.js";
import { receiveWebhook, WebhookRejected } from "../app/webhooks/receive-webhook.js";
import type { HttpRequest, HttpResponse, HttpRoute } from "../http-routes.js";
import type { Logger } from "../logger.js";

/** Path segment → provider name. */
const WEBHOOK_PROVIDERS: Record<string, string> = {
  google: "google",
  microsoft: "microsoft",
  jobber: "jobber",
  housecallpro: "housecall_pro",
};

/** No provider's push comes near this; a larger body is refused before it is buffered whole. */
const MAX_BODY_BYTES = 256 * 1024;

const REJECTED_STATUS: Record<WebhookRejected["reason"], number> = {
  unauthenticated: 401,
  malformed: 400,
  unknown_provider: 404,
};

/** POST /webhooks/{provider}: the raw body is kept for the provider's signature check. */
export function webhookRoutes(ctx: AppContext, logger: Logger): HttpRoute[] {
  return Object.entries(WEBHOOK_PROVIDERS).map(([segment, provider]) => ({
    method: "POST" as const,
    path: `/webhooks/${segment}`,
    handle: (req: HttpRequest, res: HttpResponse) => receive(ctx, logger, provider, req, res),
  }));
}

async function receive(ctx: AppContext, logger: Logger, provider: string, req: HttpRequest, res: HttpResponse) {
  try {
    const body = await readBody(req);
    if (!body) return answer(res, 413, "application/json", JSON.stringify({ error: "body too large" }));
    const url = new URL(req.url ?? "/", "http://webhook.invalid");
    const receipt = await receiveWebhook(
      ctx,
      { kind: "service", keyId: "webhooks" },
      {
        provider,
        webhook: {
          headers: headersOf(req),
          query: Object.fromEntries(url.searchParams),
          body,
          receivedAt: ctx.clock.now(),
        },
      },
    );
    if (receipt.kind === "answer") {
      res.setHeader("x-content-type-options", "nosniff");
      return answer(res, 200, receipt.contentType, receipt.body);
    }
    answer(res, 202, "application/json", JSON.stringify({ accepted: true }));
  } catch (error) {
    if (error instanceof WebhookRejected) {
      logger.info({ provider, reason: error.reason }, "webhook refused");
      return answer(res, REJECTED_STATUS[error.reason], "application/json", JSON.stringify({ error: error.reason }));
    }
    // The provider retries a 5xx; nothing was acknowledged.
    logger.error({ provider, err: error }, "webhook failed");
    answer(res, 503, "application/json", JSON.stringify({ error: "unavailable" }));
  }
}

function answer(res: HttpResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  res.end(body);
}

/** The body's bytes, or undefined when it is over the limit. */
async function readBody(req: HttpRequest): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: HttpRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":")) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

import type { ClientError } from "graphql-request";
import { ProviderError } from "../../kit/provider-error.js";
import { parseRetryAfter } from "../../kit/retry-after.js";

export interface GraphqlErrorShape {
  message?: string;
  extensions?: { code?: string; cost?: QueryCost };
}

/** Jobber's cost report, under `extensions.cost` of every answer (developer.getjobber.com, API Rate Limits). */
export interface QueryCost {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
}

export interface UserError {
  message: string;
  path?: string[];
}

/**
 * How long until the leaky bucket holds the points this query asked for:
 * (requested − available) / restoreRate seconds. Without a usable report, one
 * second (the bucket restores continuously; a short wait is the safe guess).
 */
export function throttleWaitMs(cost: QueryCost | undefined): number {
  const status = cost?.throttleStatus;
  const requested = cost?.requestedQueryCost ?? status?.maximumAvailable;
  const available = status?.currentlyAvailable ?? 0;
  const rate = status?.restoreRate;
  if (requested === undefined || !rate || rate <= 0) return 1000;
  return Math.max(0, Math.ceil(((requested - available) / rate) * 1000));
}

/**
 * Errors in an HTTP 200 answer. THROTTLED (cost limit) is rate_limited with the
 * wait computed from the cost report; anything else means Jobber refused the
 * query itself (unknown id, bad argument): a bug or bad input, not retryable.
 */
export function graphqlFailure(
  errors: GraphqlErrorShape[],
  cost: QueryCost | undefined,
  status: number,
): ProviderError {
  const throttled = errors.find((e) => e.extensions?.code === "THROTTLED");
  if (throttled) {
    const wait = throttleWaitMs(cost ?? throttled.extensions?.cost);
    return new ProviderError(
      "jobber",
      "rate_limited",
      `query cost throttled (${throttled.message ?? "THROTTLED"})`,
      wait,
      status,
    );
  }
  const messages = errors.map((e) => e.message ?? "unknown error").join("; ");
  const notFound = errors.some((e) => /not found|couldn't find|could not find/i.test(e.message ?? ""));
  return new ProviderError(
    "jobber",
    notFound ? "not_found" : "bad_request",
    `GraphQL error: ${messages}`,
    undefined,
    status,
  );
}

/** A mutation answered HTTP 200 with userErrors: it did not happen. */
export function userErrorsFailure(operation: string, userErrors: UserError[]): ProviderError {
  const detail = userErrors.map((e) => (e.path?.length ? `${e.path.join(".")}: ${e.message}` : e.message)).join("; ");
  return new ProviderError("jobber", "bad_request", `${operation} refused: ${detail}`, undefined, 200);
}

/**
 * A transport failure or non-2xx answer; messages name the status only (bodies may echo variables).
 * clientError: graphql-request's ClientError class (the module is loaded on first use).
 */
export function toJobberError(error: unknown, clientError: typeof ClientError): ProviderError {
  if (error instanceof ProviderError) return error;
  if (!(error instanceof clientError)) {
    return new ProviderError("jobber", "unavailable", `request failed: ${(error as Error)?.message ?? String(error)}`);
  }
  const status = error.response.status;
  const headers = error.response.headers as Headers | undefined;
  const errors = (error.response.errors ?? []) as GraphqlErrorShape[];
  if (status === 429) {
    // Jobber's request guard (2,500 requests / 5 minutes per app and account).
    return new ProviderError(
      "jobber",
      "rate_limited",
      "429 too many requests",
      parseRetryAfter(headers?.get("retry-after")),
      status,
    );
  }
  if (status === 401) return new ProviderError("jobber", "unauthorized", "401 unauthorized", undefined, status);
  if (status === 403) return new ProviderError("jobber", "forbidden", "403 forbidden", undefined, status);
  if (status >= 500)
    return new ProviderError(
      "jobber",
      "unavailable",
      `${status} from Jobber`,
      parseRetryAfter(headers?.get("retry-after")),
      status,
    );
  if (status >= 200 && status < 300)
    return graphqlFailure(errors, (error.response.extensions as { cost?: QueryCost } | undefined)?.cost, status);
  return new ProviderError("jobber", "bad_request", `${status} from Jobber`, undefined, status);
}

import { parseRetryAfter } from "../../kit/retry-after.js";
import { ProviderError } from "../../kit/provider-error.js";

type ResponseHeaders = Headers | Record<string, string | string[] | undefined>;

interface GoogleErrorShape {
  status?: number;
  code?: string | number;
  response?: { status?: number; headers?: ResponseHeaders; data?: unknown };
}

/** Throttling on Google comes back as 429, or as 403 with one of these reasons. */
const THROTTLING_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

function headerOf(headers: ResponseHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The reasons of a Calendar API error body: {"error":{"errors":[{"reason":...}]}}. */
function apiReasonsOf(data: unknown): string[] {
  const error = (data as { error?: unknown } | undefined)?.error;
  if (!error || typeof error !== "object") return [];
  const errors = (error as { errors?: { reason?: unknown }[] }).errors ?? [];
  return errors.map((e) => (typeof e.reason === "string" ? e.reason : "")).filter(Boolean);
}

/** The OAuth token endpoint's error code: {"error":"invalid_grant", "error_description": ...}. */
function oauthErrorOf(data: unknown): string | undefined {
  const error = (data as { error?: unknown } | undefined)?.error;
  return typeof error === "string" ? error : undefined;
}

/**
 * Turns a gaxios failure into a ProviderError. The message carries the status
 * and Google's reason only: never request headers or bodies (tokens live there).
 */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = (error ?? {}) as GoogleErrorShape;
  const status = e.response?.status ?? e.status;
  const data = e.response?.data;
  const reasons = apiReasonsOf(data);
  const oauthError = oauthErrorOf(data);
  const retryAfterMs = parseRetryAfter(headerOf(e.response?.headers, "retry-after"));
  const detail = [status ?? e.code ?? "no response", ...reasons, oauthError].filter(Boolean).join(" ");

  if (oauthError === "invalid_grant")
    return new ProviderError("google", "invalid_grant", `token refused (${detail})`, undefined, status);
  if (status === undefined) return new ProviderError("google", "unavailable", `request failed (${detail})`);
  if (status === 429 || (status === 403 && reasons.some((r) => THROTTLING_REASONS.has(r)))) {
    return new ProviderError("google", "rate_limited", `throttled (${detail})`, retryAfterMs, status);
  }
  if (status === 401) return new ProviderError("google", "unauthorized", `unauthorized (${detail})`, undefined, status);
  if (status === 403) return new ProviderError("google", "forbidden", `forbidden (${detail})`, undefined, status);
  if (status === 404 || status === 410)
    return new ProviderError("google", "not_found", `not found (${detail})`, undefined, status);
  if (status === 409) return new ProviderError("google", "conflict", `conflict (${detail})`, undefined, status);
  if (status === 412)
    return new ProviderError("google", "precondition_failed", `changed meanwhile (${detail})`, undefined, status);
  if (status === 408 || status >= 500) {
    return new ProviderError("google", "unavailable", `unavailable (${detail})`, retryAfterMs, status);
  }
  return new ProviderError("google", "bad_request", `rejected (${detail})`, undefined, status);
}

import { ProviderError } from "../../kit/provider-error.js";
import type { FieldServiceCredentials } from "../field-service-provider.js";
import { parseRetryAfter } from "../../kit/retry-after.js";

export interface HousecallProApiSettings {
  /** https://api.housecallpro.com */
  apiBaseUrl: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** The list envelope: { <items>: [...], page, page_size, total_pages, total_items }. */
export type Page<K extends string, T> = Record<K, T[]> & {
  page?: number;
  page_size?: number;
  total_pages?: number;
  total_items?: number;
};

/** HouseCall Pro error bodies: {"error": {"message": "..."}} (some answers carry a bare "message"). */
function messageOf(body: unknown): string | undefined {
  const b = body as { error?: { message?: unknown } | string; message?: unknown } | undefined;
  if (typeof b?.error === "object" && typeof b.error?.message === "string") return b.error.message;
  if (typeof b?.error === "string") return b.error;
  return typeof b?.message === "string" ? b.message : undefined;
}

function failure(response: Response, body: unknown): ProviderError {
  const status = response.status;
  const detail = `${status}${messageOf(body) ? ` ${messageOf(body)}` : ""}`;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  if (status === 429)
    return new ProviderError("housecall_pro", "rate_limited", `throttled (${detail})`, retryAfter, status);
  if (status === 401)
    return new ProviderError("housecall_pro", "unauthorized", `API key refused (${detail})`, undefined, status);
  if (status === 403)
    return new ProviderError("housecall_pro", "forbidden", `forbidden (${detail})`, undefined, status);
  if (status === 404)
    return new ProviderError("housecall_pro", "not_found", `not found (${detail})`, undefined, status);
  if (status === 409) return new ProviderError("housecall_pro", "conflict", `conflict (${detail})`, undefined, status);
  if (status >= 500)
    return new ProviderError("housecall_pro", "unavailable", `unavailable (${detail})`, retryAfter, status);
  return new ProviderError("housecall_pro", "bad_request", `rejected (${detail})`, undefined, status);
}

/** One REST call with `Authorization: Token <key>`; any non-2xx is a ProviderError. */
export async function housecallRequest<T>(
  settings: HousecallProApiSettings,
  credentials: FieldServiceCredentials,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { query?: Record<string, string | number | undefined>; body?: unknown } = {},
): Promise<T> {
  if (credentials.kind !== "api_key")
    throw new ProviderError("housecall_pro", "unauthorized", "HouseCall Pro needs an API key");
  await credentials.pace?.();
  const url = new URL(path, settings.apiBaseUrl);
  for (const [key, value] of Object.entries(options.query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  const headers: Record<string, string> = { authorization: `Token ${credentials.apiKey}`, accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
  } catch (error) {
    throw new ProviderError("housecall_pro", "unavailable", `request failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw failure(response, body);
  return body as T;
}

/** Follows page=1.. until total_pages (or a short page when the envelope omits it). */
export async function allPages<K extends string, T>(
  key: K,
  pageSize: number,
  fetchPage: (page: number) => Promise<Page<K, T>>,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const answer = await fetchPage(page);
    const batch = answer[key] ?? [];
    items.push(...batch);
    const last = answer.total_pages !== undefined ? page >= answer.total_pages : batch.length < pageSize;
    if (last || batch.length === 0) return items;
  }
}

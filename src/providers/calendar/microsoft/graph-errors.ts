import { parseRetryAfter } from "../../kit/retry-after.js";
import { ProviderError, type ProviderErrorKind } from "../../kit/provider-error.js";
import { isGraphError } from "./graph-sdk.js";

/** Graph error codes that mean "the delta token is gone: start a new round". */
const SYNC_RESET_CODES = new Set(["syncstatenotfound", "resyncrequired", "syncstateinvalid"]);

export function isSyncReset(error: unknown): boolean {
  if (!isGraphError(error)) return false;
  return error.statusCode === 410 || SYNC_RESET_CODES.has((error.code ?? "").toLowerCase());
}

export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 412) return "precondition_failed";
  if (status === 429) return "rate_limited";
  if (status === 503) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "bad_request";
}

/** Turns whatever the Graph client threw into a ProviderError; never leaks the token. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (isGraphError(error)) {
    // The client reports network failures as statusCode -1 with the fetch error as message.
    if (error.statusCode <= 0)
      return new ProviderError("microsoft", "unavailable", `Graph unreachable: ${error.message}`);
    const wait = parseRetryAfter(error.headers?.get("retry-after"));
    const kind = kindOfStatus(error.statusCode);
    return new ProviderError(
      "microsoft",
      kind,
      `Graph ${error.statusCode} ${error.code ?? ""}: ${error.message}`.trim(),
      kind === "rate_limited" ? wait : undefined,
      error.statusCode,
    );
  }
  return new ProviderError(
    "microsoft",
    "unavailable",
    `Graph request failed: ${(error as Error)?.message ?? String(error)}`,
  );
}

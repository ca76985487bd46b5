import type { davRequest as DavRequest, DAVResponse } from "tsdav";
import { ProviderError } from "../../kit/provider-error.js";
import type { ProviderCredentials } from "../../kit/connector.js";
import { caldavError, unreachable } from "./caldav-errors.js";

export const CALDAV_NAMESPACES =
  'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:ical="http://apple.com/ns/ical/"';

let loadingDavRequest: Promise<typeof DavRequest> | undefined;

/** tsdav weighs megabytes once imported: loaded on first use, once, as a tenant may never connect Apple. */
function loadDavRequest(): Promise<typeof DavRequest> {
  loadingDavRequest ??= import("tsdav").then((tsdav) => tsdav.davRequest);
  return loadingDavRequest;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * CalDAV requests of one account: Basic auth on every request, a timeout, and
 * HTTP failures turned into ProviderErrors. tsdav does the XML round trip
 * (we hand it the XML body as text and read its parsed multistatus).
 */
export class CaldavSession {
  private readonly authorization: string;

  constructor(
    credentials: ProviderCredentials,
    private readonly requestTimeoutMs: number,
  ) {
    if (credentials.kind !== "basic")
      throw new ProviderError("apple", "unauthorized", "Apple needs an Apple ID and app-specific password");
    this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  }

  /** PROPFIND or REPORT; returns the per-resource responses of a 207 multistatus. */
  async xml(method: "PROPFIND" | "REPORT", url: string, depth: "0" | "1", body: string): Promise<DAVResponse[]> {
    const davRequest = await loadDavRequest();
    let responses: DAVResponse[];
    // tsdav's responses carry no headers; a throttled reply's Retry-After is read on the way through.
    let retryAfter: string | null = null;
    const fetchKeepingRetryAfter: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      retryAfter = response.headers.get("retry-after");
      return response;
    };
    try {
      responses = await davRequest({
        url,
        init: {
          method,
          headers: { authorization: this.authorization, depth, "content-type": "application/xml; charset=utf-8" },
          body,
        },
        convertIncoming: false,
        fetchOptions: { signal: AbortSignal.timeout(this.requestTimeoutMs) },
        fetch: fetchKeepingRetryAfter,
      });
    } catch (error) {
      throw unreachable(`${method} ${new URL(url).pathname}`, error);
    }
    const [first] = responses;
    // tsdav answers a non-multistatus reply as one response without props.
    if (responses.length === 1 && first && first.props === undefined && !first.ok) {
      throw caldavError(first.status ?? 0, `${method} ${new URL(url).pathname}`, retryAfter);
    }
    return responses;
  }

  /** PUT/DELETE and friends: the raw Response, errors already mapped except the statuses the caller accepts. */
  async send(
    method: string,
    url: string,
    accept: number[],
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: this.authorization, ...headers },
        body,
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      throw unreachable(`${method} ${new URL(url).pathname}`, error);
    }
    await response.arrayBuffer();
    if (response.ok || accept.includes(response.status)) return response;
    throw caldavError(response.status, `${method} ${new URL(url).pathname}`, response.headers.get("retry-after"));
  }
}

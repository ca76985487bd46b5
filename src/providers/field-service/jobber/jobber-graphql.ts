import type * as GraphqlRequest from "graphql-request";
import { ProviderError } from "../../kit/provider-error.js";
import type { FieldServiceCredentials } from "../field-service-provider.js";
import {
  graphqlFailure,
  toJobberError,
  userErrorsFailure,
  type GraphqlErrorShape,
  type QueryCost,
  type UserError,
} from "./jobber-errors.js";

export interface JobberApiSettings {
  /** https://api.getjobber.com/api/graphql */
  graphqlUrl: string;
  /** A date version, sent as X-JOBBER-GRAPHQL-VERSION on every request (required by Jobber). */
  graphqlVersion: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

let loadingGraphqlRequest: Promise<typeof GraphqlRequest> | undefined;

/** graphql-request and graphql-js weigh megabytes once imported: loaded on first use, once, as a tenant may never connect Jobber. */
function loadGraphqlRequest(): Promise<typeof GraphqlRequest> {
  loadingGraphqlRequest ??= import("graphql-request");
  return loadingGraphqlRequest;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/**
 * One GraphQL call. Errors come back to us in the body with HTTP 200, so the
 * client runs with errorPolicy "all" and this function decides: any error
 * fails the call (THROTTLED as rate_limited), never partial data.
 */
export async function jobberRequest<T>(
  settings: JobberApiSettings,
  credentials: FieldServiceCredentials,
  document: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const token = bearerTokenOf(credentials);
  await credentials.pace?.();
  const { GraphQLClient, ClientError } = await loadGraphqlRequest();
  const client = new GraphQLClient(settings.graphqlUrl, {
    headers: { authorization: `Bearer ${token}`, "x-jobber-graphql-version": settings.graphqlVersion },
    errorPolicy: "all",
    signal: AbortSignal.timeout(settings.requestTimeoutMs),
  });
  let response;
  try {
    response = await client.rawRequest<T>(document, variables);
  } catch (error) {
    throw toJobberError(error, ClientError);
  }
  const errors = (response.errors ?? []) as GraphqlErrorShape[];
  if (errors.length > 0)
    throw graphqlFailure(errors, (response.extensions as { cost?: QueryCost } | undefined)?.cost, response.status);
  if (!response.data)
    throw new ProviderError("jobber", "unavailable", "answer without data", undefined, response.status);
  return response.data;
}

/** An OAuth access token or a Jobber API key: Jobber takes either as the bearer token. */
function bearerTokenOf(credentials: FieldServiceCredentials): string {
  if (credentials.kind === "oauth") return credentials.accessToken;
  if (credentials.kind === "api_key") return credentials.apiKey;
  throw new ProviderError("jobber", "unauthorized", "Jobber takes an OAuth token or an API key");
}

/** A mutation payload: userErrors non-empty means it failed, whatever else the payload holds. */
export function succeeded<P extends { userErrors?: UserError[] | null }>(
  operation: string,
  payload: P | null | undefined,
): P {
  if (!payload) throw new ProviderError("jobber", "unavailable", `${operation} answered no payload`);
  if (payload.userErrors?.length) throw userErrorsFailure(operation, payload.userErrors);
  return payload;
}

/** Follows endCursor until hasNextPage is false. */
export async function allPages<T>(fetchPage: (after: string | undefined) => Promise<Connection<T>>): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    items.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return items;
    after = page.pageInfo.endCursor;
  }
}

import type { Credentials, OAuth2Client, OAuth2ClientOptions } from "google-auth-library";
import type { calendar, calendar_v3 } from "googleapis/build/src/apis/calendar/index.js";
import { toProviderError } from "./google-errors.js";

/**
 * OAuth2Client.refreshAccessToken() copies the refresh token it was given
 * over the one in Google's answer, hiding a rotation; the raw exchange
 * keeps it.
 */
export interface RefreshingOAuth2Client extends OAuth2Client {
  refreshWith(refreshToken: string): Promise<{ tokens: Credentials }>;
}

export interface GoogleSdk {
  calendar: typeof calendar;
  RefreshingOAuth2Client: new (options: OAuth2ClientOptions) => RefreshingOAuth2Client;
}

let loading: Promise<GoogleSdk> | undefined;

/**
 * The Calendar API and the OAuth client weigh tens of megabytes once imported;
 * a tenant that never connects Google never pays for them. Loaded on first use, once.
 */
export function loadGoogleSdk(): Promise<GoogleSdk> {
  loading ??= Promise.all([import("googleapis/build/src/apis/calendar/index.js"), import("google-auth-library")]).then(
    ([api, auth]) => ({
      calendar: api.calendar,
      RefreshingOAuth2Client: class extends auth.OAuth2Client {
        refreshWith(refreshToken: string) {
          return this.refreshTokenNoCache(refreshToken);
        }
      },
    }),
  );
  return loading;
}

/** Sends a Calendar API request on the client it is given and resolves to the response body. */
export type CalendarCall = <T>(request: (api: calendar_v3.Calendar) => Promise<{ data: T }>) => Promise<T>;

/** Runs requests on one Calendar API client, built for the first of them; their failures become ProviderErrors. */
export function calendarApiCaller(options: calendar_v3.Options): CalendarCall {
  let client: Promise<calendar_v3.Calendar> | undefined;
  return async (request) => {
    const api = await (client ??= loadGoogleSdk().then((sdk) => sdk.calendar(options)));
    try {
      return (await request(api)).data;
    } catch (error) {
      throw toProviderError(error);
    }
  };
}

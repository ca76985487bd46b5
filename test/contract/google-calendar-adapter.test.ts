import { createHash, randomBytes } from "node:crypto";
import { GoogleCalendarProvider } from "../../src/providers/calendar/google/google-calendar-provider.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { calendarAdapterContract } from "./calendar-adapter.contract.js";

const email = "contract@example.test";
const redirectUri = "http://127.0.0.1:1/oauth/callback";

calendarAdapterContract("Google (Calendar API fake)", async () => {
  const fake = await GoogleCalendarFake.start();
  fake.addAccount(email);
  const env = fake.env();
  const adapter = new GoogleCalendarProvider({
    clientId: env.GOOGLE_CLIENT_ID ?? "",
    clientSecret: env.GOOGLE_CLIENT_SECRET ?? "",
    authorizeUrl: env.GOOGLE_OAUTH_AUTHORIZE_URL ?? "",
    tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL ?? "",
    revokeUrl: env.GOOGLE_OAUTH_REVOKE_URL ?? "",
    calendarApiBaseUrl: env.GOOGLE_CALENDAR_API_BASE_URL ?? "",
    requestTimeoutMs: 30_000,
  });
  const verifier = randomBytes(32).toString("base64url");
  const url = adapter.authorizationUrl({
    state: "s",
    codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
    redirectUri,
  });
  const code =
    new URL((await fetch(url, { redirect: "manual" })).headers.get("location") ?? "").searchParams.get("code") ?? "";
  const tokens = await adapter.exchangeCode({ code, codeVerifier: verifier, redirectUri });
  return {
    adapter,
    credentials: { kind: "oauth", accessToken: tokens.accessToken },
    rejectedCredentials: { kind: "oauth", accessToken: "ya29.never-issued-token" },
    calendarId: email,
    missingEventId: "nosucheventid0123456789",
    async addBusyEvent(event) {
      fake.insertEvent(email, email, {
        summary: event.title,
        start: { dateTime: event.start.toISOString() },
        end: { dateTime: event.end.toISOString() },
      });
    },
    async expireSyncStates(state) {
      fake.expireSyncTokens(email, email);
      return state;
    },
    async throttleNextRequest(retryAfterSeconds) {
      fake.failApiRequests({ status: 429, retryAfterSeconds });
    },
    close: () => fake.close(),
  };
});

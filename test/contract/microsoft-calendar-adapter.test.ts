import { inject } from "vitest";
import { createMicrosoftProvider } from "../../src/providers/calendar/microsoft/microsoft-provider.js";
import { startGraphFake } from "../fakes/microsoft-graph/graph-fake.js";
import { testConfig } from "../support/test-server.js";
import { calendarAdapterContract } from "./calendar-adapter.contract.js";

calendarAdapterContract("Microsoft (TLS Graph fake)", async () => {
  const fake = await startGraphFake({ tlsDir: inject("testTlsDir") });
  const adapter = createMicrosoftProvider({
    ...testConfig({
      MICROSOFT_CLIENT_ID: fake.clientId,
      MICROSOFT_CLIENT_SECRET: fake.clientSecret,
      MICROSOFT_OAUTH_BASE_URL: fake.oauthBaseUrl,
      MICROSOFT_GRAPH_BASE_URL: fake.baseUrl,
    }).microsoft,
    requestTimeoutMs: 30_000,
  });
  return {
    adapter,
    credentials: { kind: "oauth", accessToken: fake.issueAccessToken() },
    rejectedCredentials: { kind: "oauth", accessToken: "eyJ.never-issued.token" },
    calendarId: fake.defaultCalendarId,
    missingEventId: "AAMkAGI2-ev-missing=",
    async addBusyEvent(event) {
      fake.putEvent(fake.defaultCalendarId, { subject: event.title, start: event.start, end: event.end });
    },
    async expireSyncStates(state) {
      fake.expireDeltaTokens();
      return state;
    },
    async throttleNextRequest(retryAfterSeconds) {
      fake.throttleNext(1, retryAfterSeconds);
    },
    close: () => fake.close(),
  };
});

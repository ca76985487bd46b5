/**
 * Run as its own process (`node --import tsx`): creates the three calendar providers and Jobber, then makes
 * one call on each against an address nothing listens on, and prints which provider SDKs had been loaded after each
 * step, as JSON. A module loaded by any earlier test in the same process would hide the answer.
 */
import { registerHooks } from "node:module";

const SDKS = ["googleapis", "google-auth-library", "@microsoft/microsoft-graph-client", "tsdav", "graphql-request"];
const loadedUrls = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loadedUrls.add(url);
    return nextLoad(url, context);
  },
});
const loadedSdks = () => SDKS.filter((sdk) => [...loadedUrls].some((url) => url.includes(`/node_modules/${sdk}/`)));

const { ProviderError } = await import("../../src/providers/kit/provider-error.js");
const { google } = await import("../../src/providers/calendar/google/index.js");
const { microsoft } = await import("../../src/providers/calendar/microsoft/index.js");
const { apple } = await import("../../src/providers/calendar/apple/index.js");
const { jobber } = await import("../../src/providers/field-service/jobber/index.js");

const nowhere = "http://127.0.0.1:9";
const oauth = { clientId: "id", clientSecret: "secret", webhookSecret: "webhook-secret", requestTimeoutMs: 2_000 };
const providers = [
  google.create({
    ...oauth,
    authorizeUrl: `${nowhere}/auth`,
    tokenUrl: `${nowhere}/token`,
    revokeUrl: `${nowhere}/revoke`,
    calendarApiBaseUrl: nowhere,
  }),
  microsoft.create({ ...oauth, oauthBaseUrl: nowhere, graphBaseUrl: nowhere }),
  apple.create({ caldavUrl: nowhere, requestTimeoutMs: 2_000 }),
  jobber.create({ ...oauth, graphqlUrl: `${nowhere}/graphql`, oauthBaseUrl: `${nowhere}/oauth` }),
];
const afterCreate = loadedSdks();

/** The ProviderError kind each first call failed with. */
const failures: string[] = [];
for (const { connector } of providers) {
  const call =
    connector.auth === "oauth"
      ? connector.getAccount({ kind: "oauth", accessToken: "token" })
      : connector.auth === "basic"
        ? connector.verify({ kind: "basic", username: "user", password: "password" })
        : Promise.reject(new Error("no calendar provider takes an API key"));
  await call.then(
    () => failures.push("succeeded against nothing"),
    (error: unknown) => failures.push(error instanceof ProviderError ? error.kind : String(error)),
  );
}

console.log(JSON.stringify({ afterCreate, afterFirstCalls: loadedSdks(), failures }));

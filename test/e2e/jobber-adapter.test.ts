import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { FieldServiceCredentials } from "../../src/providers/field-service/field-service-provider.js";
import { JobberOAuth } from "../../src/providers/field-service/jobber/jobber-oauth.js";
import { JobberProvider } from "../../src/providers/field-service/jobber/jobber-provider.js";
import { fieldServiceAdapterContract, type FieldServiceHarness } from "../contract/field-service-adapter.contract.js";
import { JOBBER_VERSION, JobberFake } from "../fakes/jobber/jobber-fake.js";

let fake: JobberFake;
let provider: JobberProvider;
let oauth: JobberOAuth;
let credentials: FieldServiceCredentials;
const redirectUri = "http://127.0.0.1:1/integrations/jobber/callback";

beforeAll(async () => {
  fake = await JobberFake.start();
  provider = new JobberProvider({
    graphqlUrl: fake.graphqlUrl,
    graphqlVersion: JOBBER_VERSION,
    requestTimeoutMs: 30_000,
    defaultRegion: "US",
  });
  oauth = new JobberOAuth({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    oauthBaseUrl: fake.oauthBaseUrl,
    requestTimeoutMs: 30_000,
  });
  credentials = { kind: "api_key", apiKey: fake.issueApiKey() };
});
afterAll(() => fake?.close());

fieldServiceAdapterContract("Jobber", (): FieldServiceHarness => ({
  provider,
  credentials,
  badCredentials: { kind: "api_key", apiKey: "not-a-jobber-key" },
  accountName: fake.accountName,
  setMaxPageSize: (size) => (fake.maxPageSize = size),
  addTechnician: (name) => fake.addUser(name),
  addCustomer: ({ name, phone, email }) => fake.addClient({ name, phone, email }),
  addJob: ({ title, customerId, start, end, technicianIds }) =>
    fake.addJob({ title, clientId: customerId, start, end, userIds: technicianIds }).jobId,
  crewOf: (jobId) => [...new Set(fake.visitsOf(jobId).flatMap((v) => fake.crewOf(v.id)))],
  customerCount: () => fake.clientCount(),
  throttleNextCall: () => fake.throttleNext(1),
}));

const at = (iso: string) => new Date(iso);

describe("Jobber adapter: Jobber's own rules", () => {
  it("sends named operations with variables, the bearer token and the version header on every call", async () => {
    fake.requests.length = 0;
    await provider.getAccount(credentials);
    await provider.listTechnicians(credentials);
    const graphql = fake.requests.filter((r) => r.path === "/api/graphql");
    expect(graphql.map((r) => r.operation)).toEqual(["Account", "Users"]);
    for (const request of graphql) {
      expect(request.headers["x-jobber-graphql-version"]).toBe(JOBBER_VERSION);
      expect(request.headers.authorization).toBe(`Bearer ${credentials.kind === "api_key" ? credentials.apiKey : ""}`);
    }
  });

  it("takes a mutation answered with userErrors (HTTP 200) as a failure, never as success", async () => {
    const jobsBefore = fake.jobCount();
    const error = await provider
      .createJob(credentials, {
        customer: { name: "Uma UserError", phone: "+13125550199" },
        title: "Job for a technician Jobber does not know",
        start: at("2027-03-01T15:00:00Z"),
        end: at("2027-03-01T16:00:00Z"),
        timeZone: "America/Chicago",
        technicianId: "VXNlcjo5OTk5OTk=",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "bad_request", retryable: false });
    expect((error as Error).message).toMatch(/visitCreate refused: .*teamMemberIdsToAssign: User .* not found/);
    // jobCreate succeeded before visitCreate failed and the caller took no id to complete it with:
    // the orphan job is closed, not left unscheduled.
    expect(fake.jobCount()).toBe(jobsBefore + 1);
    expect(fake.operations().slice(-2)).toEqual(["VisitCreate", "JobClose"]);
  });

  it("leaves a job whose visitCreate failed for completeJob when the caller took its id, and finds it by client", async () => {
    const customer = { name: "Vic Visitless", phone: "+13125550177" };
    const input = {
      customer,
      title: "Visit fails once",
      start: at("2027-03-03T15:00:00Z"),
      end: at("2027-03-03T16:00:00Z"),
      timeZone: "America/Chicago",
    };
    fake.failOperation("VisitCreate", { status: 500 });
    const named: string[] = [];
    const error = await provider
      .createJob(credentials, input, async (jobId) => void named.push(jobId))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "unavailable", retryable: true });
    const [jobId] = named;
    expect(fake.visitsOf(jobId!)).toEqual([]);
    expect(fake.operations().at(-1)).toBe("VisitCreate");
    // Without a visit the job has no start: the jobs query's startAt filter cannot see it, the client's jobs can.
    const window = { start: at("2027-03-02T00:00:00Z"), end: at("2027-03-05T00:00:00Z") };
    expect((await provider.listJobs(credentials, { window })).map((j) => j.id)).not.toContain(jobId);
    const found = await provider.findCreatedJobs(credentials, { customer, window });
    expect(found.find((j) => j.id === jobId)).toMatchObject({ status: "unscheduled" });

    const job = await provider.completeJob(credentials, jobId!, input);
    expect(job.start?.toISOString()).toBe("2027-03-03T15:00:00.000Z");
    await provider.completeJob(credentials, jobId!, input);
    expect(fake.visitsOf(jobId!)).toHaveLength(1);
  });

  it("refuses a crew change Jobber rejects instead of reporting it done", async () => {
    const tech = fake.addUser("Valid Tech");
    const clientId = fake.addClient({ name: "Vera Visit", phone: "+13125550142" });
    const { jobId, visitId } = fake.addJob({
      title: "Crew",
      clientId,
      start: "2027-03-02T15:00:00Z",
      end: "2027-03-02T16:00:00Z",
      userIds: [tech],
    });
    await expect(provider.updateJob(credentials, jobId, { technicianId: "VXNlcjo4ODg4ODg=" })).rejects.toMatchObject({
      kind: "bad_request",
    });
    expect(fake.crewOf(visitId)).toEqual([tech]);
  });

  it("computes the throttle wait from the requested cost and the restore rate", async () => {
    // 1,200 points asked, 200 left, Jobber restores 500 per second: 2 seconds until the query fits.
    fake.throttleNext(1, { requestedQueryCost: 1200, currentlyAvailable: 200 });
    const error = (await provider.listTechnicians(credentials).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 2000, status: 200 });
  });

  it("honours Retry-After on HTTP 429 from Jobber's request guard", async () => {
    fake.failNext({ status: 429, retryAfterSeconds: 7 });
    await expect(provider.getAccount(credentials)).rejects.toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 7000,
      status: 429,
    });
  });

  it("reports 5xx as unavailable (retryable) and a refused token as unauthorized", async () => {
    fake.failNext({ status: 503 });
    await expect(provider.getAccount(credentials)).rejects.toMatchObject({ kind: "unavailable", retryable: true });
    await expect(provider.getAccount({ kind: "api_key", apiKey: "x" })).rejects.toMatchObject({ kind: "unauthorized" });
  });

  it("connects through the OAuth app flow and keeps each rotated refresh token", async () => {
    const url = new URL(oauth.authorizationUrl({ state: "state-123", redirectUri }));
    expect(url.pathname).toBe("/api/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: fake.clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      state: "state-123",
    });
    const redirect = new URL((await fetch(url, { redirect: "manual" })).headers.get("location") ?? "");
    expect(redirect.searchParams.get("state")).toBe("state-123");

    const first = await oauth.exchangeCode({ code: redirect.searchParams.get("code") ?? "", redirectUri });
    expect(first.refreshToken).toBeTruthy();
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await provider.getAccount({ kind: "oauth", accessToken: first.accessToken })).name).toBe(fake.accountName);

    const second = await oauth.refresh(first.refreshToken ?? "");
    expect(second.refreshToken).toBeTruthy();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await provider.getAccount({ kind: "oauth", accessToken: second.accessToken })).name).toBe(fake.accountName);
    // Rotation: the old refresh token no longer works, the new one does.
    await expect(oauth.refresh(first.refreshToken ?? "")).rejects.toMatchObject({ kind: "invalid_grant" });
    await expect(oauth.refresh(second.refreshToken ?? "")).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it("refuses a code used twice as invalid_grant", async () => {
    const redirect = new URL(
      (await fetch(oauth.authorizationUrl({ state: "s", redirectUri }), { redirect: "manual" })).headers.get(
        "location",
      ) ?? "",
    );
    const code = redirect.searchParams.get("code") ?? "";
    await oauth.exchangeCode({ code, redirectUri });
    await expect(oauth.exchangeCode({ code, redirectUri })).rejects.toMatchObject({ kind: "invalid_grant" });
  });

  it("never puts a token in an error message", async () => {
    fake.failNext({ status: 500 });
    const error = (await provider.getAccount(credentials).catch((e: unknown) => e)) as Error;
    for (const secret of fake.issuedSecrets()) expect(error.message).not.toContain(secret);
  });
});

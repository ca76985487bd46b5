import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { FieldServiceCredentials } from "../../src/providers/field-service/field-service-provider.js";
import { HousecallProProvider } from "../../src/providers/field-service/housecall-pro/housecall-pro-provider.js";
import { fieldServiceAdapterContract, type FieldServiceHarness } from "../contract/field-service-adapter.contract.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";

let fake: HousecallProFake;
let provider: HousecallProProvider;
let credentials: FieldServiceCredentials;
let apiKey: string;

beforeAll(async () => {
  fake = await HousecallProFake.start();
  provider = new HousecallProProvider({ apiBaseUrl: fake.url, requestTimeoutMs: 30_000, defaultRegion: "US" });
  apiKey = fake.issueApiKey();
  credentials = { kind: "api_key", apiKey };
});
afterAll(() => fake?.close());

fieldServiceAdapterContract("HouseCall Pro", (): FieldServiceHarness => ({
  provider,
  credentials,
  badCredentials: { kind: "api_key", apiKey: "not-a-housecall-key" },
  accountName: fake.company.name,
  setMaxPageSize: (size) => (fake.maxPageSize = size),
  addTechnician: (name) => fake.addEmployee(name),
  addCustomer: (input) => fake.addCustomer(input),
  addJob: ({ title, customerId, start, end, technicianIds }) =>
    fake.addJob({ title, customerId, start, end, employeeIds: technicianIds }),
  crewOf: (jobId) => fake.crewOf(jobId),
  customerCount: () => fake.customerCount(),
  throttleNextCall: () => fake.failNext({ status: 429, retryAfterSeconds: 3 }),
}));

describe("HouseCall Pro adapter: HouseCall Pro's own rules", () => {
  it("authenticates with `Authorization: Token <key>` and reads the company's time zone", async () => {
    fake.requests.length = 0;
    const account = await provider.getAccount(credentials);
    expect(account).toEqual({ id: fake.company.id, name: fake.company.name, timeZone: fake.company.time_zone });
    expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ["GET", "/company", `Token ${apiKey}`],
    ]);
  });

  it("honours Retry-After on 429 and reports 5xx as unavailable", async () => {
    fake.failNext({ status: 429, retryAfterSeconds: 7 });
    await expect(provider.getAccount(credentials)).rejects.toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 7000,
      status: 429,
    });
    fake.failNext({ status: 502 });
    await expect(provider.getAccount(credentials)).rejects.toMatchObject({ kind: "unavailable", retryable: true });
  });

  it("carries the {error:{message}} body into the ProviderError and changes nothing", async () => {
    const customerId = fake.addCustomer({ name: "Dora Dispatch", phone: "+13125550177" });
    const jobId = fake.addJob({
      title: "Dispatch",
      customerId,
      start: "2027-04-01T15:00:00Z",
      end: "2027-04-01T16:00:00Z",
    });
    const error = await provider
      .updateJob(credentials, jobId, { technicianId: "pro_unknown" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "bad_request", status: 422 });
    expect((error as Error).message).toContain("Employee pro_unknown not found");
    expect(fake.crewOf(jobId)).toEqual([]);
  });

  it("follows page/page_size envelopes when listing technicians", async () => {
    for (let i = 0; i < 5; i++) fake.addEmployee(`Paged Tech${i}`);
    fake.maxPageSize = 2;
    try {
      fake.requests.length = 0;
      const technicians = await provider.listTechnicians(credentials);
      expect(technicians.filter((t) => t.name.startsWith("Paged Tech"))).toHaveLength(5);
      const pages = fake.requests.filter((r) => r.path === "/employees").map((r) => r.query.page);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.slice(0, 3)).toEqual(["1", "2", "3"]);
    } finally {
      fake.maxPageSize = 100;
    }
  });

  it("sends money in cents and reads it back as a decimal", async () => {
    const job = await provider.createJob(credentials, {
      customer: { name: "Cent Counter", phone: "+13125550166" },
      title: "Drain cleaning",
      start: new Date("2027-04-02T15:00:00Z"),
      end: new Date("2027-04-02T16:00:00Z"),
      timeZone: "America/Chicago",
      estimatedValue: "189.50",
    });
    expect(fake.jobOf(job.id)?.total_amount).toBe(18950);
    expect(job.estimatedValue).toBe("189.50");
    expect(job.jobType).toBe("Repair");
  });

  it("maps work_status strings into our status vocabulary", async () => {
    const customerId = fake.addCustomer({ name: "Stan Status", phone: "+13125550155" });
    const jobId = fake.addJob({ title: "Status", customerId });
    expect(await provider.getJob(credentials, jobId)).toMatchObject({
      status: "unscheduled",
      providerStatus: "needs scheduling",
    });
    const job = fake.jobOf(jobId);
    if (!job) throw new Error("job vanished");
    for (const [workStatus, status] of [
      ["in progress", "in_progress"],
      ["complete rated", "completed"],
      ["complete unrated", "completed"],
      ["pro canceled", "cancelled"],
      ["user canceled", "cancelled"],
    ] as const) {
      job.work_status = workStatus;
      expect((await provider.getJob(credentials, jobId)).status).toBe(status);
    }
  });
});

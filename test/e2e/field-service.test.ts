import { Code } from "@connectrpc/connect";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { ConflictKind, Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { DuplicateCheck, FieldServiceService, JobStatus } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { authorizeAt, codeOf, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";
import { JobberFake } from "../fakes/jobber/jobber-fake.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { columnsHolding } from "../support/pii-scan.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";
import { weekdayAt } from "../support/weekdays.js";

let hcp: HousecallProFake;
let jobber: JobberFake;
let server: TestServer;
/** The servers' settings: the platforms are the fakes. */
let env: Record<string, string>;

beforeAll(async () => {
  [hcp, jobber] = await Promise.all([HousecallProFake.start(), JobberFake.start()]);
  env = {
    HOUSECALLPRO_API_BASE_URL: hcp.url,
    JOBBER_API_BASE_URL: jobber.graphqlUrl,
    JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
    JOBBER_CLIENT_ID: jobber.clientId,
    JOBBER_CLIENT_SECRET: jobber.clientSecret,
  };
  server = await startTestServer({ env });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([hcp?.close(), jobber?.close()]);
});

const iso = (d: Date) => d.toISOString();
const dateOf = (d: Date) => d.toISOString().slice(0, 10);

async function asTenant(tenantId: string) {
  return client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
}
const asService = () => client(FieldServiceService, grpcTransport(server.baseUrl, serviceKey));

async function connectedHousecallPro(tenantId = newTenantId()) {
  const apiKey = hcp.issueApiKey();
  const fs = await asTenant(tenantId);
  const answer = await fs.connectHousecallPro({ tenantId, apiKey, companyId: hcp.company.id, timezone: "UTC" });
  await waitForSync(server, answer.syncId);
  return { tenantId, answer };
}

async function connectedJobber(tenantId = newTenantId()) {
  const fs = await asTenant(tenantId);
  const answer = await fs.connectJobber({ tenantId, apiKey: jobber.issueApiKey(), subdomain: "acme", timezone: "UTC" });
  await waitForSync(server, answer.syncId);
  return { tenantId, answer };
}

async function integrationRows(tenantId: string) {
  return server.orm.em
    .fork()
    .getConnection()
    .execute<{ provider: string; access_token_encrypted: string; login_kind: string | null }[]>(
      "select provider, access_token_encrypted, login_kind from calendar_integrations where tenant_id = ?",
      [tenantId],
    );
}

describe("connecting field-service platforms", () => {
  it("HouseCall Pro: a good key connects (company name, sync on), a bad key or another company's stores nothing", async () => {
    const tenantId = newTenantId();
    const fs = await asTenant(tenantId);
    const bad = await codeOf(fs.connectHousecallPro({ tenantId, apiKey: "not-a-key", companyId: hcp.company.id }));
    expect(bad).toBe(Code.PermissionDenied);
    const otherCompany = await codeOf(
      fs.connectHousecallPro({ tenantId, apiKey: hcp.issueApiKey(), companyId: "company_someone_else" }),
    );
    expect(otherCompany).toBe(Code.PermissionDenied);
    expect(await integrationRows(tenantId)).toEqual([]);

    const apiKey = hcp.issueApiKey();
    const answer = await fs.connectHousecallPro({
      tenantId,
      apiKey,
      companyId: hcp.company.id,
      timezone: "America/Chicago",
    });
    expect(answer).toMatchObject({ connected: true, companyName: hcp.company.name, syncEnabled: true });
    expect(answer.integration).toMatchObject({ provider: Provider.HOUSECALL_PRO, accountId: hcp.company.id });
    expect((await waitForSync(server, answer.syncId)).status).toBe(SyncStatus.SUCCEEDED);
    const [row] = await integrationRows(tenantId);
    expect(row?.access_token_encrypted).toBeTruthy();
    expect(row?.access_token_encrypted).not.toContain(apiKey);
    expect(hcp.requests.some((r) => r.path === "/company" && r.headers.authorization === `Token ${apiKey}`)).toBe(true);
  });

  it("the same account connected by eight parallel calls on two servers is one integration, and every call succeeds", async () => {
    const second = await startTestServer({ env });
    try {
      const tenantId = newTenantId();
      const jwt = await mintJwt(tenantId);
      const through = (target: TestServer) => client(FieldServiceService, grpcTransport(target.baseUrl, { jwt }));
      const keys = Array.from({ length: 8 }, () => hcp.issueApiKey());
      const answers = await Promise.allSettled(
        keys.map((apiKey, i) =>
          through(i % 2 ? second : server).connectHousecallPro({
            tenantId,
            apiKey,
            companyId: hcp.company.id,
            timezone: "UTC",
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(keys.map(() => "fulfilled"));
      const ids = new Set(answers.map((a) => (a.status === "fulfilled" ? a.value.integration?.id : undefined)));
      expect(ids.size).toBe(1);
      expect(await integrationRows(tenantId)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it("Jobber by API key (the bearer token), refused keys store nothing; status lists both platforms", async () => {
    const tenantId = newTenantId();
    const fs = await asTenant(tenantId);
    expect(await codeOf(fs.connectJobber({ tenantId, apiKey: "jobber_wrong", subdomain: "acme" }))).toBe(
      Code.PermissionDenied,
    );
    expect(await integrationRows(tenantId)).toEqual([]);
    const apiKey = jobber.issueApiKey();
    const answer = await fs.connectJobber({ tenantId, apiKey, subdomain: "acme" });
    expect(answer).toMatchObject({ connected: true, companyName: jobber.accountName, syncEnabled: true });
    expect((await waitForSync(server, answer.syncId)).status).toBe(SyncStatus.SUCCEEDED);
    const [row] = await integrationRows(tenantId);
    expect(row).toMatchObject({ provider: "jobber", login_kind: "api_key" });

    // The same key keeps working for later calls: used as the bearer token, never refreshed.
    const listed = await fs.listJobs({ tenantId, provider: Provider.JOBBER });
    expect(listed.pagination?.total).toBe(listed.jobs.length);

    await connectedHousecallPro(tenantId);
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const status = await calendars.getCalendarStatus({ tenantId });
    expect(status.integrations.map((i) => i.provider).sort()).toEqual([Provider.JOBBER, Provider.HOUSECALL_PRO]);
    expect(status.integrations.find((i) => i.provider === Provider.JOBBER)?.accountName).toBe(jobber.accountName);
  });

  it("CalendarService.ConnectCalendar takes the seed's credentials {api_key, subdomain} and timezone", async () => {
    const tenantId = newTenantId();
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    expect(
      await codeOf(
        calendars.connectCalendar({ tenantId, provider: Provider.HOUSECALL_PRO, credentials: { apiKey: "nope" } }),
      ),
    ).toBe(Code.PermissionDenied);
    const hcpAnswer = await calendars.connectCalendar({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      credentials: { apiKey: hcp.issueApiKey() },
      timezone: "America/Chicago",
    });
    expect(hcpAnswer.connected).toBe(true);
    expect(hcpAnswer.integration?.accountName).toBe(hcp.company.name);
    const jobberAnswer = await calendars.connectCalendar({
      tenantId,
      provider: Provider.JOBBER,
      credentials: { apiKey: jobber.issueApiKey(), subdomain: "acme" },
      timezone: "America/Chicago",
    });
    expect(jobberAnswer.connected).toBe(true);
    expect(
      await codeOf(
        calendars.connectCalendar({
          tenantId,
          provider: Provider.JOBBER,
          credentials: { apiKey: "x" },
          timezone: "Mars/Base",
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("Jobber's OAuth app flow: authorization URL, code + state, rotated refresh token kept", async () => {
    const tenantId = newTenantId();
    const fs = await asTenant(tenantId);
    const started = await fs.connectJobber({ tenantId });
    expect(started.connected).toBe(false);
    expect(new URL(started.authorizationUrl).searchParams.get("client_id")).toBe(jobber.clientId);
    const { code, state } = await authorizeAt(started.authorizationUrl);
    expect(state).toBe(started.state);
    const done = await fs.connectJobber({ tenantId, code, state });
    expect(done).toMatchObject({ connected: true, companyName: jobber.accountName });
    expect((await waitForSync(server, done.syncId)).status).toBe(SyncStatus.SUCCEEDED);
    expect(await codeOf(fs.connectJobber({ tenantId, code, state }))).toBe(Code.FailedPrecondition);
  });
});

describe("jobs", () => {
  it("lists jobs across the platform's pages with our page/limit and pagination.total", async () => {
    const { tenantId } = await connectedHousecallPro();
    const fs = await asTenant(tenantId);
    const customerId = hcp.addCustomer({ name: "Paula Pages", phone: "+13125550101" });
    const tech = hcp.addEmployee("Tina Tech");
    const base = weekdayAt(40, 14);
    const ids = [0, 1, 2, 3, 4].map((i) =>
      hcp.addJob({
        title: `pages job ${i}`,
        customerId,
        start: iso(new Date(base.getTime() + i * 3_600_000)),
        end: iso(new Date(base.getTime() + i * 3_600_000 + 1_800_000)),
        employeeIds: [tech],
      }),
    );
    hcp.maxPageSize = 2;
    try {
      const window = { tenantId, provider: Provider.HOUSECALL_PRO, startDate: dateOf(base), endDate: dateOf(base) };
      const second = await fs.listJobs({ ...window, page: 2, limit: 2 });
      expect(second.pagination).toMatchObject({ page: 2, limit: 2, total: 5, totalPages: 3, hasMore: true });
      expect(second.jobs.map((j) => j.id)).toEqual(ids.slice(2, 4));
      expect(second.jobs[0]).toMatchObject({
        title: "pages job 2",
        status: JobStatus.SCHEDULED,
        technician: { id: tech, name: "Tina Tech" },
        customer: { id: customerId, name: "Paula Pages", phone: "+13125550101" },
        jobType: "Repair",
      });
      const last = await fs.listJobs({ ...window, page: 3, limit: 2 });
      expect(last.jobs.map((j) => j.id)).toEqual(ids.slice(4));
      expect(last.pagination?.hasMore).toBe(false);
      expect((await fs.listJobs({ ...window, status: JobStatus.COMPLETED })).pagination?.total).toBe(0);
      expect(hcp.requests.filter((r) => r.path === "/jobs" && r.query.page === "3").length).toBeGreaterThan(0);
    } finally {
      hcp.maxPageSize = 100;
    }
    expect(
      await codeOf(
        fs.listJobs({ tenantId, provider: Provider.HOUSECALL_PRO, startDate: "2027-01-01", endDate: "2027-06-01" }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(fs.listJobs({ tenantId, provider: Provider.HOUSECALL_PRO, limit: 101 }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("creates a job for a new customer and for an existing one found by a differently formatted phone", async () => {
    const { tenantId } = await connectedHousecallPro();
    const tech = hcp.addEmployee("Nina New");
    const customersBefore = hcp.customerCount();
    const start = weekdayAt(5, 14);
    const created = await asService().createJob({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      idempotencyKey: `job-${tenantId}`,
      customer: { name: "Carl Caller", phone: "+13125550177", email: "carl@example.test", address: "12 Elm St" },
      title: "Leaking water heater",
      description: "Garage, side door",
      scheduledStart: timestampFromDate(start),
      estimatedDurationMinutes: 90,
      estimatedValue: "350.00",
      jobType: "Water heater repair",
      leadId: "lead-1",
      conversationId: "conv-1",
      technicianId: tech,
    });
    expect(created).toMatchObject({
      created: true,
      scheduledTechnician: { id: tech, name: "Nina New" },
      confirmationSent: false,
      invoiceCreated: false,
    });
    expect(created.jobId).toBeTruthy();
    expect(created.job).toMatchObject({
      id: created.jobId,
      estimatedValue: "350.00",
      appointmentId: created.appointmentId,
    });
    expect(hcp.customerCount()).toBe(customersBefore + 1);
    expect(hcp.crewOf(created.jobId)).toEqual([tech]);

    // The same key again: the first answer, nothing new on the platform.
    const jobsBefore = hcp.jobCount();
    const replay = await asService().createJob({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      idempotencyKey: `job-${tenantId}`,
      customer: { name: "Carl Caller", phone: "+13125550177", email: "carl@example.test", address: "12 Elm St" },
      title: "Leaking water heater",
      description: "Garage, side door",
      scheduledStart: timestampFromDate(start),
      estimatedDurationMinutes: 90,
      estimatedValue: "350.00",
      jobType: "Water heater repair",
      leadId: "lead-1",
      conversationId: "conv-1",
      technicianId: tech,
    });
    expect(replay.jobId).toBe(created.jobId);
    expect(hcp.jobCount()).toBe(jobsBefore);

    // The job is an appointment of provider housecall_pro: it blocks its time for bookings.
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const clash = await appointments.createAppointment({
      tenantId,
      customerName: "Someone Else",
      customerPhone: "+13125550999",
      title: "Overlapping booking",
      startTime: timestampFromDate(new Date(start.getTime() + 30 * 60_000)),
      endTime: timestampFromDate(new Date(start.getTime() + 60 * 60_000)),
    });
    expect(clash.created).toBe(false);
    expect(clash.conflicts.map((c) => c.id)).toContain(created.appointmentId);

    // An existing customer typed as "(312) 555-0142" is found from "+13125550142".
    const existingId = hcp.addCustomer({ name: "Erin Existing", phone: "(312) 555-0142" });
    const before = hcp.customerCount();
    const second = await asService().createJob({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      customer: { name: "Erin E.", phone: "+13125550142" },
      title: "Tune-up",
      scheduledStart: timestampFromDate(weekdayAt(20, 15)),
      endTime: timestampFromDate(new Date(weekdayAt(20, 15).getTime() + 3_600_000)),
    });
    expect(second.created).toBe(true);
    expect(second.job?.customer?.id).toBe(existingId);
    expect(hcp.customerCount()).toBe(before);

    // The jobs' appointments, stored replies, outbox and integration rows hold the customers sealed only.
    const booked = await appointments.getAppointment({ id: created.appointmentId });
    expect(booked.appointment).toMatchObject({ customerName: "Carl Caller", customerPhone: "+13125550177" });
    for (const needle of ["Carl Caller", "3125550177", "carl@example.test", "Erin E.", "3125550142"]) {
      expect(await columnsHolding(server.orm, needle), needle).toEqual([]);
    }
  });

  it("refuses a job whose time conflicts before calling the platform", async () => {
    const { tenantId } = await connectedJobber();
    const start = weekdayAt(7, 15);
    const first = await asService().createJob({
      tenantId,
      provider: Provider.JOBBER,
      customer: { name: "First Caller", phone: "+13125550155" },
      title: "First job",
      scheduledStart: timestampFromDate(start),
      estimatedDurationMinutes: 60,
    });
    expect(first.created).toBe(true);
    const jobsBefore = jobber.jobCount();
    const requestsBefore = jobber.requests.length;
    const second = await asService().createJob({
      tenantId,
      provider: Provider.JOBBER,
      customer: { name: "Second Caller", phone: "+13125550156" },
      title: "Second job",
      scheduledStart: timestampFromDate(new Date(start.getTime() + 30 * 60_000)),
      estimatedDurationMinutes: 60,
    });
    expect(second.created).toBe(false);
    expect(second.conflicts[0]).toMatchObject({ kind: ConflictKind.APPOINTMENT, id: first.appointmentId });
    expect(second.suggestedSlots.length).toBeGreaterThan(0);
    expect(jobber.jobCount()).toBe(jobsBefore);
    expect(jobber.requests.length).toBe(requestsBefore);
  });

  it("adds a technician to the crew without dropping the one already there; answers the changes", async () => {
    const { tenantId } = await connectedJobber();
    const first = jobber.addUser("Ann First");
    const second = jobber.addUser("Bob Second");
    const clientId = jobber.addClient({ name: "Cora Crew", phone: "+13125550160" });
    const start = weekdayAt(9, 14);
    const { jobId, visitId } = jobber.addJob({
      title: "Two-person install",
      clientId,
      start: iso(start),
      end: iso(new Date(start.getTime() + 2 * 3_600_000)),
      userIds: [first],
    });
    const fs = await asTenant(tenantId);
    const answer = await fs.updateJob({ tenantId, provider: Provider.JOBBER, jobId, technicianId: second });
    expect(answer.updated).toBe(true);
    expect(answer.changes).toEqual(["technician"]);
    expect(answer.notificationsSent).toBe(false);
    expect(jobber.crewOf(visitId).sort()).toEqual([first, second].sort());
    expect(answer.job?.technicians.map((t) => t.id).sort()).toEqual([first, second].sort());

    const later = weekdayAt(12, 16);
    const moved = await fs.updateJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId,
      scheduledStart: timestampFromDate(later),
    });
    expect(moved.changes).toEqual(["start_time", "end_time"]);
    expect(timestampDate(moved.job!.scheduledEnd!).getTime() - later.getTime()).toBe(2 * 3_600_000);
  });

  it("cancels a job: closed on Jobber, its appointment cancelled, the time free again", async () => {
    const { tenantId } = await connectedJobber();
    const start = weekdayAt(8, 16);
    const created = await asService().createJob({
      tenantId,
      provider: Provider.JOBBER,
      customer: { name: "Cancel Me", phone: "+13125550161" },
      title: "To be cancelled",
      scheduledStart: timestampFromDate(start),
      estimatedDurationMinutes: 60,
    });
    const fs = await asTenant(tenantId);
    const cancelled = await fs.cancelJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId: created.jobId,
      reason: "customer called",
    });
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.job?.status).toBe(JobStatus.COMPLETED);
    expect(jobber.visitsOf(created.jobId)).toEqual([]);
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const rebook = await appointments.createAppointment({
      tenantId,
      customerName: "Next Caller",
      customerPhone: "+13125550162",
      title: "Same slot",
      startTime: timestampFromDate(start),
      endTime: timestampFromDate(new Date(start.getTime() + 3_600_000)),
    });
    expect(rebook.created).toBe(true);
  });
});

describe("customers", () => {
  it("finds duplicates by phone whatever its format, then by email, before creating", async () => {
    const { tenantId } = await connectedHousecallPro();
    const formats = ["312.555.0188", "(312) 555-0188", "+1 312 555 0188", "1-312-555-0188"];
    for (const [i, stored] of formats.entries()) {
      const id = hcp.addCustomer({ name: `Dup ${i}`, phone: stored.replace("0188", `01${90 + i}`) });
      const answer = await asService().syncCustomer({
        tenantId,
        provider: Provider.HOUSECALL_PRO,
        customer: { name: `Dup ${i}`, phone: `+131255501${90 + i}` },
      });
      expect(answer).toMatchObject({
        customerId: id,
        created: false,
        matched: true,
        duplicateCheck: DuplicateCheck.PHONE,
      });
    }
    const byEmail = hcp.addCustomer({ name: "Mia Mail", email: "Mia.Mail@Example.test" });
    expect(
      await asService().syncCustomer({
        tenantId,
        provider: Provider.HOUSECALL_PRO,
        customer: { name: "Mia", phone: "+13125550196", email: "mia.mail@example.test" },
      }),
    ).toMatchObject({ customerId: byEmail, matched: true, duplicateCheck: DuplicateCheck.EMAIL });
    const before = hcp.customerCount();
    const created = await asService().syncCustomer({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      customer: { name: "Nobody Known", phone: "+13125550197" },
    });
    expect(created).toMatchObject({ created: true, matched: false, duplicateCheck: DuplicateCheck.NONE });
    expect(hcp.customerCount()).toBe(before + 1);
    expect(
      await codeOf(
        asService().syncCustomer({ tenantId, provider: Provider.HOUSECALL_PRO, customer: { name: "X", phone: "555" } }),
      ),
    ).toBe(Code.InvalidArgument);
  });
});

describe("one new customer asked for at once", () => {
  it("parallel SyncCustomer calls for a new caller create one Jobber client; the rest match it", async () => {
    const { tenantId } = await connectedJobber();
    const before = jobber.clientCount();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        asService().syncCustomer({
          tenantId,
          provider: Provider.JOBBER,
          customer: { name: "Rita Racer", phone: "+13125550231", email: "rita@example.test" },
        }),
      ),
    );
    expect(jobber.clientCount()).toBe(before + 1);
    expect(answers.filter((answer) => answer.created)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.customerId)).size).toBe(1);
  });

  it("parallel CreateJob calls for one new caller, through two servers, make one HouseCall Pro customer", async () => {
    const { tenantId } = await connectedHousecallPro();
    const second = await startTestServer({ env });
    try {
      const before = hcp.customerCount();
      const start = weekdayAt(9, 21);
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          client(FieldServiceService, grpcTransport((i % 2 ? second : server).baseUrl, serviceKey)).createJob({
            tenantId,
            provider: Provider.HOUSECALL_PRO,
            customer: { name: "Ray Twice", phone: "+13125550232" },
            title: `Visit ${i}`,
            scheduledStart: timestampFromDate(new Date(start.getTime() + i * 3_600_000)),
            estimatedDurationMinutes: 30,
          }),
        ),
      );
      expect(answers.every((answer) => answer.created)).toBe(true);
      expect(hcp.customerCount()).toBe(before + 1);
    } finally {
      await second.close();
    }
  });
});

describe("busy time and limits", () => {
  it("a job created on the platform is busy time after an incremental sync and blocks CheckAvailability", async () => {
    const { tenantId } = await connectedHousecallPro();
    const start = weekdayAt(10, 14);
    const end = new Date(start.getTime() + 3_600_000);
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const overlapping = async () => {
      const answer = await availability.checkAvailability({
        tenantId,
        startDate: dateOf(start),
        endDate: dateOf(start),
        durationMinutes: 60,
        timeZone: "UTC",
      });
      return answer.days
        .flatMap((d) => d.slots)
        .filter((s) => timestampDate(s.startTime!) < end && timestampDate(s.endTime!) > start);
    };
    expect((await overlapping()).length).toBeGreaterThan(0);

    const customerId = hcp.addCustomer({ name: "Platform Booked", phone: "+13125550170" });
    const jobId = hcp.addJob({ title: "Booked in HouseCall Pro", customerId, start: iso(start), end: iso(end) });
    hcp.addJob({ title: "Still unscheduled", customerId });
    const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
    const run = await sync.triggerSync({ tenantId, provider: Provider.HOUSECALL_PRO, type: SyncType.INCREMENTAL });
    expect((await waitForSync(server, run.syncId)).status).toBe(SyncStatus.SUCCEEDED);

    expect(await overlapping()).toEqual([]);
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const refused = await appointments.createAppointment({
      tenantId,
      customerName: "Late Caller",
      customerPhone: "+13125550171",
      title: "Same hour",
      startTime: timestampFromDate(start),
      endTime: timestampFromDate(end),
    });
    expect(refused.created).toBe(false);
    expect(refused.conflicts[0]).toMatchObject({
      kind: ConflictKind.CALENDAR_EVENT,
      id: jobId,
      provider: Provider.HOUSECALL_PRO,
    });
  });

  it("Jobber: a visit that fails after the job was created is added to that job on retry, not to a second job", async () => {
    const { tenantId } = await connectedJobber();
    const start = weekdayAt(5, 10);
    const jobCreatesBefore = jobber.operations().filter((o) => o === "JobCreate").length;
    jobber.failOperation("VisitCreate", { status: 500 }, { status: 503 });
    const created = await asService().createJob({
      tenantId,
      provider: Provider.JOBBER,
      customer: { name: "Vera Visit", phone: "+13125550188", address: "3 Oak St" },
      title: "Furnace check",
      scheduledStart: timestampFromDate(start),
      estimatedDurationMinutes: 60,
    });
    expect(created.created).toBe(true);
    expect(jobber.operations().filter((o) => o === "JobCreate").length - jobCreatesBefore).toBe(1);
    const visits = jobber.visitsOf(created.jobId);
    expect(visits).toHaveLength(1);
    expect(new Date(visits[0]!.startAt!).getTime()).toBe(start.getTime());
  });

  it("waits out Jobber's THROTTLED answers from the reported restore rate instead of failing", async () => {
    const { tenantId } = await connectedJobber();
    const fs = await asTenant(tenantId);
    // 250 points asked, none left, 500 restored per second: half a second each.
    jobber.throttleNext(2, { requestedQueryCost: 250, currentlyAvailable: 0 });
    const began = Date.now();
    const listed = await fs.listJobs({ tenantId, provider: Provider.JOBBER });
    expect(listed.pagination).toBeDefined();
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    const held = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(
        "select count(*) as n from outbound_rate_limits where blocked_until is not null and bucket_key like 'jobber:%'",
      );
    expect(Number(held[0]?.n)).toBeGreaterThan(0);
  });

  it("honours HouseCall Pro's 429 Retry-After", async () => {
    const { tenantId } = await connectedHousecallPro();
    const fs = await asTenant(tenantId);
    hcp.failNext({ status: 429, retryAfterSeconds: 1 });
    const began = Date.now();
    await fs.listJobs({ tenantId, provider: Provider.HOUSECALL_PRO });
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
  });
});

import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type {
  FieldServiceCredentials,
  FieldServiceProvider,
} from "../../src/providers/field-service/field-service-provider.js";

/** What the shared suite needs from a platform's adapter and its fake. */
export interface FieldServiceHarness {
  provider: FieldServiceProvider;
  credentials: FieldServiceCredentials;
  badCredentials: FieldServiceCredentials;
  accountName: string;
  /** The fake's largest page, to make the adapter follow pages. */
  setMaxPageSize(size: number): void;
  addTechnician(name: string): string;
  addCustomer(input: { name: string; phone?: string; email?: string }): string;
  /** A job of the customer; scheduled when start and end are given. */
  addJob(input: { title: string; customerId: string; start?: string; end?: string; technicianIds?: string[] }): string;
  /** The technicians on the job's open work, as the platform stores them. */
  crewOf(jobId: string): string[];
  customerCount(): number;
  /** The next API call is rate-limited the platform's way. */
  throttleNextCall(): void;
}

const TZ = "America/Chicago";
let counter = 0;
/** A window of its own per test, so tests sharing one fake do not see each other's jobs. */
function freshWindow() {
  const day = new Date(Date.UTC(2027, 0, 1) + counter++ * 7 * 86_400_000);
  const at = (dayOffset: number, hour: number) =>
    new Date(day.getTime() + dayOffset * 86_400_000 + hour * 3_600_000).toISOString();
  return { window: { start: day, end: new Date(day.getTime() + 7 * 86_400_000) }, at };
}
const uniquePhone = () => `+1312555${String(1000 + (counter++ % 9000)).padStart(4, "0")}`;

export function fieldServiceAdapterContract(platform: string, harness: () => FieldServiceHarness): void {
  describe(`${platform} adapter: field-service contract`, () => {
    it("verifies credentials with one real call and names the company", async () => {
      const h = harness();
      const account = await h.provider.getAccount(h.credentials);
      expect(account.name).toBe(h.accountName);
      expect(account.id).toBeTruthy();
      const refused = await h.provider.getAccount(h.badCredentials).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderError);
      expect(refused).toMatchObject({ kind: "unauthorized", provider: h.provider.name });
    });

    it("lists every job in the window across pages, mapped into one Job shape", async () => {
      const h = harness();
      const { window, at } = freshWindow();
      const tech = h.addTechnician("Tina Tech");
      const customerId = h.addCustomer({ name: "Paula Pages", phone: uniquePhone() });
      const ids = [0, 1, 2, 3, 4].map((i) =>
        h.addJob({ title: `job ${i}`, customerId, start: at(i, 15), end: at(i, 17), technicianIds: [tech] }),
      );
      h.addJob({ title: "next month", customerId, start: at(40, 15), end: at(40, 16) });
      h.setMaxPageSize(2);
      try {
        const jobs = await h.provider.listJobs(h.credentials, { window });
        expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
        const first = jobs.find((j) => j.title === "job 0");
        expect(first).toMatchObject({
          status: "scheduled",
          customer: { id: customerId, name: "Paula Pages" },
          technicians: [{ id: tech, name: "Tina Tech" }],
        });
        expect(first?.start?.toISOString()).toBe(at(0, 15));
        expect(first?.end?.toISOString()).toBe(at(0, 17));
        expect(await h.provider.listJobs(h.credentials, { window, status: "completed" })).toEqual([]);
      } finally {
        h.setMaxPageSize(100);
      }
    });

    it("creates a job for a new customer: customer, schedule, technician, value", async () => {
      const h = harness();
      const { at } = freshWindow();
      const tech = h.addTechnician("Nina New");
      const before = h.customerCount();
      const phone = uniquePhone();
      const job = await h.provider.createJob(h.credentials, {
        customer: { name: "Carl Caller", phone, email: "carl@example.test", address: "12 Elm St" },
        title: "Leaking water heater",
        description: "Garage, side door",
        start: new Date(at(1, 15)),
        end: new Date(at(1, 17)),
        timeZone: TZ,
        technicianId: tech,
        estimatedValue: "350.00",
      });
      expect(h.customerCount()).toBe(before + 1);
      expect(job).toMatchObject({
        title: "Leaking water heater",
        status: "scheduled",
        estimatedValue: "350.00",
        customer: { name: "Carl Caller", phone },
      });
      expect(job.start?.toISOString()).toBe(at(1, 15));
      expect(job.end?.toISOString()).toBe(at(1, 17));
      expect(job.technicians.map((t) => t.id)).toEqual([tech]);
      expect(h.crewOf(job.id)).toEqual([tech]);
    });

    it("creates a job for an existing customer found by phone in another format", async () => {
      const h = harness();
      const { at } = freshWindow();
      const e164 = uniquePhone();
      const national = `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
      const customerId = h.addCustomer({ name: "Erin Existing", phone: national });
      const before = h.customerCount();
      const job = await h.provider.createJob(h.credentials, {
        customer: { name: "Erin E.", phone: e164 },
        title: "Tune-up",
        start: new Date(at(2, 14)),
        end: new Date(at(2, 15)),
        timeZone: TZ,
      });
      expect(h.customerCount()).toBe(before);
      expect(job.customer?.id).toBe(customerId);
      expect(job.customer?.phone).toBe(e164);
    });

    it("names the job as soon as it exists; completeJob finishes it once, however often repeated", async () => {
      const h = harness();
      const { window, at } = freshWindow();
      const tech = h.addTechnician("Rhea Resume");
      const customer = { name: "Ursula Unfinished", phone: uniquePhone() };
      const named: string[] = [];
      const job = await h.provider.createJob(
        h.credentials,
        { customer, title: "Resumable", start: new Date(at(1, 9)), end: new Date(at(1, 10)), timeZone: TZ },
        async (jobId) => void named.push(jobId),
      );
      expect(named).toEqual([job.id]);
      const moved = { start: new Date(at(2, 13)), end: new Date(at(2, 15)) };
      const input = { customer, title: "Resumable", ...moved, timeZone: TZ, technicianId: tech };
      await h.provider.completeJob(h.credentials, job.id, input);
      const again = await h.provider.completeJob(h.credentials, job.id, input);
      expect(again.start?.toISOString()).toBe(moved.start.toISOString());
      expect(again.end?.toISOString()).toBe(moved.end.toISOString());
      expect(h.crewOf(job.id)).toEqual([tech]);
      const busy = (await h.provider.listBusyTime(h.credentials, window)).filter((b) => b.jobId === job.id);
      expect(busy).toHaveLength(1);
      // The job as answered names its scheduled work as the listing does, so it is followed without a listing.
      expect(again.scheduledWorkId).toBe(busy[0]!.id);
      const found = await h.provider.findCreatedJobs(h.credentials, { customer, window });
      expect(found.map((j) => j.id)).toContain(job.id);
    });

    it("finds a customer by email when the phone does not match, and creates one when nothing does", async () => {
      const h = harness();
      const customerId = h.addCustomer({ name: "Mia Mail", email: "Mia.Mail@Example.test" });
      const found = await h.provider.syncCustomer(h.credentials, {
        name: "Mia",
        phone: uniquePhone(),
        email: "mia.mail@example.test",
      });
      expect(found).toMatchObject({ created: false, matchedBy: "email", customer: { id: customerId } });
      const created = await h.provider.syncCustomer(h.credentials, { name: "Nobody Known", phone: uniquePhone() });
      expect(created.created).toBe(true);
      expect(created.customer.id).not.toBe(customerId);
    });

    it("adds a technician to the crew without dropping the ones already there", async () => {
      const h = harness();
      const { at } = freshWindow();
      const first = h.addTechnician("Ann First");
      const second = h.addTechnician("Bob Second");
      const customerId = h.addCustomer({ name: "Cora Crew", phone: uniquePhone() });
      const jobId = h.addJob({
        title: "Two-person install",
        customerId,
        start: at(1, 14),
        end: at(1, 18),
        technicianIds: [first],
      });
      const job = await h.provider.updateJob(h.credentials, jobId, { technicianId: second });
      expect(h.crewOf(jobId).sort()).toEqual([first, second].sort());
      expect(job.technicians.map((t) => t.id).sort()).toEqual([first, second].sort());
    });

    it("reschedules a job", async () => {
      const h = harness();
      const { at } = freshWindow();
      const customerId = h.addCustomer({ name: "Rita Resched", phone: uniquePhone() });
      const jobId = h.addJob({ title: "Inspection", customerId, start: at(1, 14), end: at(1, 15) });
      const job = await h.provider.updateJob(h.credentials, jobId, {
        schedule: { start: new Date(at(3, 16)), end: new Date(at(3, 18)), timeZone: TZ },
      });
      expect(job.start?.toISOString()).toBe(at(3, 16));
      expect(job.end?.toISOString()).toBe(at(3, 18));
    });

    it("counts scheduled work as busy time, never unscheduled work, and frees a cancelled job's time", async () => {
      const h = harness();
      const { window, at } = freshWindow();
      const tech = h.addTechnician("Busy Bee");
      const customerId = h.addCustomer({ name: "Bea Busy", phone: uniquePhone() });
      const scheduled = h.addJob({
        title: "Scheduled",
        customerId,
        start: at(2, 15),
        end: at(2, 16),
        technicianIds: [tech],
      });
      const unscheduled = h.addJob({ title: "Unscheduled", customerId });
      const busy = await h.provider.listBusyTime(h.credentials, window);
      expect(busy.map((b) => b.jobId)).toEqual([scheduled]);
      expect((await h.provider.getJob(h.credentials, unscheduled)).scheduledWorkId).toBeUndefined();
      expect(busy.map((b) => b.jobId)).not.toContain(unscheduled);
      expect(busy[0]).toMatchObject({ start: new Date(at(2, 15)), end: new Date(at(2, 16)), technicianIds: [tech] });
      await h.provider.cancelJob(h.credentials, scheduled);
      expect(await h.provider.listBusyTime(h.credentials, window)).toEqual([]);
    });

    it("lists technicians", async () => {
      const h = harness();
      const id = h.addTechnician("Terry Listed");
      const technicians = await h.provider.listTechnicians(h.credentials);
      expect(technicians).toContainEqual({ id, name: "Terry Listed" });
    });

    it("reports throttling as rate_limited with a usable wait, and does not retry by itself", async () => {
      const h = harness();
      h.throttleNextCall();
      const error = await h.provider.getAccount(h.credentials).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: "rate_limited", retryable: true });
      const wait = (error as ProviderError).retryAfterMs;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThan(10 * 60_000);
      expect((await h.provider.getAccount(h.credentials)).name).toBe(h.accountName);
    });

    it("reports an unknown job as not_found", async () => {
      const h = harness();
      await expect(h.provider.getJob(h.credentials, "no-such-job")).rejects.toMatchObject({ kind: "not_found" });
    });
  });
}

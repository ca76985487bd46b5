import type { CountryCode } from "libphonenumber-js";
import type { SyncWindow } from "../../calendar/calendar-provider.js";
import { crewAfter } from "../crew-change.js";
import { searchForMatch, splitName } from "../customer-matching.js";
import type {
  Customer,
  CustomerDetails,
  CustomerMatch,
  CustomerMatchRule,
  FieldServiceAccount,
  FieldServiceCredentials,
  FieldServiceProvider,
  Job,
  JobChanges,
  JobQuery,
  NewJob,
  ScheduledItem,
  Technician,
} from "../field-service-provider.js";
import { centsFromDecimal } from "../money.js";
import { allPages, housecallRequest, type HousecallProApiSettings, type Page } from "./housecall-pro-http.js";
import {
  arrivalWindowMinutesOf,
  customerOf,
  scheduledTimesOf,
  jobOf,
  phonesOf,
  technicianOf,
  type HcpAddress,
  type HcpCustomer,
  type HcpEmployee,
  type HcpJob,
} from "./housecall-pro-mapping.js";

export interface HousecallProSettings extends HousecallProApiSettings {
  /** Region for phone numbers stored without a country code. */
  defaultRegion: CountryCode;
}

const PAGE_SIZE = 100;

interface HcpCompany {
  id: string;
  name: string;
  time_zone?: string | null;
}

export class HousecallProProvider implements FieldServiceProvider {
  readonly name = "housecall_pro" as const;

  constructor(private readonly settings: HousecallProSettings) {}

  async getAccount(credentials: FieldServiceCredentials): Promise<FieldServiceAccount> {
    const company = await this.call<HcpCompany>(credentials, "GET", "/company");
    return { id: company.id, name: company.name, timeZone: company.time_zone ?? undefined };
  }

  async listJobs(credentials: FieldServiceCredentials, query: JobQuery): Promise<Job[]> {
    const jobs = (await this.jobsIn(credentials, query.window)).map((job) => jobOf(job, this.settings.defaultRegion));
    return query.status ? jobs.filter((job) => job.status === query.status) : jobs;
  }

  async getJob(credentials: FieldServiceCredentials, jobId: string): Promise<Job> {
    return jobOf(await this.hcpJob(credentials, jobId), this.settings.defaultRegion);
  }

  async createJob(
    credentials: FieldServiceCredentials,
    input: NewJob,
    created?: (jobId: string) => Promise<void>,
  ): Promise<Job> {
    const { customer } = await this.syncCustomer(credentials, input.customer);
    const addressId = await this.addressOf(credentials, customer.id, input.customer.address);
    const body: Record<string, unknown> = {
      customer_id: customer.id,
      address_id: addressId,
      description: input.title,
      schedule: { scheduled_start: input.start.toISOString(), scheduled_end: input.end.toISOString() },
    };
    if (input.description) body.notes = input.description;
    if (input.technicianId) body.assigned_employee_ids = [input.technicianId];
    if (input.estimatedValue !== undefined) {
      // Money is in cents on HouseCall Pro (line items' unit_price, the job's total_amount).
      body.line_items = [{ name: input.title, quantity: 1, unit_price: centsFromDecimal(input.estimatedValue) }];
    }
    const job = await this.call<HcpJob>(credentials, "POST", "/jobs", { body });
    await created?.(job.id);
    return this.getJob(credentials, job.id);
  }

  async completeJob(credentials: FieldServiceCredentials, jobId: string, input: NewJob): Promise<Job> {
    // Created with its schedule and crew in one call: completing repeats them (both idempotent here).
    return this.updateJob(credentials, jobId, {
      schedule: { start: input.start, end: input.end, timeZone: input.timeZone },
      ...(input.technicianId ? { technicianId: input.technicianId } : {}),
    });
  }

  async findCreatedJobs(
    credentials: FieldServiceCredentials,
    query: { customer: CustomerDetails; window: SyncWindow },
  ): Promise<Job[]> {
    return this.listJobs(credentials, { window: query.window });
  }

  async updateJob(credentials: FieldServiceCredentials, jobId: string, changes: JobChanges): Promise<Job> {
    const job = await this.hcpJob(credentials, jobId);
    const edit: Record<string, unknown> = {};
    if (changes.title !== undefined) edit.description = changes.title;
    if (changes.description !== undefined) edit.notes = changes.description;
    if (Object.keys(edit).length > 0)
      await this.call(credentials, "PUT", `/jobs/${encodeURIComponent(jobId)}`, { body: edit });
    if (changes.schedule) {
      await this.call(credentials, "PUT", `/jobs/${encodeURIComponent(jobId)}/schedule`, {
        body: {
          start_time: changes.schedule.start.toISOString(),
          end_time: changes.schedule.end.toISOString(),
          arrival_window_in_minutes: arrivalWindowMinutesOf(job.schedule?.arrival_window) ?? 0,
          notify: false,
          notify_pro: false,
        },
      });
    }
    if (changes.technicianId || changes.releasedTechnicianId) await this.editCrew(credentials, job, changes);
    return this.getJob(credentials, jobId);
  }

  async cancelJob(credentials: FieldServiceCredentials, jobId: string): Promise<void> {
    // The public API documents no "cancel job" call (cancelling in the app also texts and emails the
    // customer). Erasing the job's schedule (DELETE /jobs/{id}/schedule) is HouseCall Pro's "unschedule":
    // off the calendar, back to "needs scheduling", the job kept for the records, nobody notified.
    await this.call(credentials, "DELETE", `/jobs/${encodeURIComponent(jobId)}/schedule`);
  }

  async findCustomer(
    credentials: FieldServiceCredentials,
    details: CustomerDetails,
  ): Promise<CustomerMatch | undefined> {
    const region = this.settings.defaultRegion;
    const match = await searchForMatch(
      details,
      region,
      (q) =>
        allPages("customers", PAGE_SIZE, (page) =>
          this.call<Page<"customers", HcpCustomer>>(credentials, "GET", "/customers", {
            query: { q, page, page_size: PAGE_SIZE },
          }),
        ),
      (c) => ({ phones: phonesOf(c), emails: c.email ? [c.email] : [] }),
    );
    return match && { customer: customerOf(match.candidate, region), matchedBy: match.matchedBy };
  }

  async syncCustomer(
    credentials: FieldServiceCredentials,
    details: CustomerDetails,
  ): Promise<{ customer: Customer; created: boolean; matchedBy?: CustomerMatchRule }> {
    const existing = await this.findCustomer(credentials, details);
    if (existing) return { ...existing, created: false };
    const { firstName, lastName } = splitName(details.name);
    const body: Record<string, unknown> = { first_name: firstName, last_name: lastName };
    if (details.phone) body.mobile_number = details.phone;
    if (details.email) body.email = details.email;
    if (details.address) body.addresses = [{ street: details.address, type: "service" }];
    const created = await this.call<HcpCustomer>(credentials, "POST", "/customers", { body });
    return { customer: customerOf(created, this.settings.defaultRegion), created: true };
  }

  async listBusyTime(credentials: FieldServiceCredentials, window: SyncWindow): Promise<ScheduledItem[]> {
    const jobs = await this.jobsIn(credentials, window);
    return jobs.flatMap((job) => {
      const scheduled = scheduledTimesOf(job);
      if (!scheduled) return [];
      return [
        {
          id: job.id,
          jobId: job.id,
          title: job.description ?? "",
          start: new Date(scheduled.start),
          end: new Date(scheduled.end),
          technicianIds: (job.assigned_employees ?? []).map((e) => e.id),
        },
      ];
    });
  }

  async listTechnicians(credentials: FieldServiceCredentials): Promise<Technician[]> {
    const employees = await allPages("employees", PAGE_SIZE, (page) =>
      this.call<Page<"employees", HcpEmployee>>(credentials, "GET", "/employees", {
        query: { page, page_size: PAGE_SIZE },
      }),
    );
    return employees.map(technicianOf);
  }

  /** PUT /jobs/{id}/dispatch replaces the assigned employees: write the changed crew (crewAfter) when it changed. */
  private async editCrew(credentials: FieldServiceCredentials, job: HcpJob, changes: JobChanges): Promise<void> {
    const crew = crewAfter(
      (job.assigned_employees ?? []).map((e) => e.id),
      changes,
    );
    if (!crew) return;
    await this.call(credentials, "PUT", `/jobs/${encodeURIComponent(job.id)}/dispatch`, {
      body: { dispatched_employees: crew.map((employee_id) => ({ employee_id })) },
    });
  }

  /** A job needs a customer address (POST /jobs requires address_id): the first one, or a new one. */
  private async addressOf(
    credentials: FieldServiceCredentials,
    customerId: string,
    address: string | undefined,
  ): Promise<string> {
    const customer = await this.call<HcpCustomer>(credentials, "GET", `/customers/${encodeURIComponent(customerId)}`);
    const existing = customer.addresses?.[0]?.id;
    if (existing) return existing;
    const created = await this.call<HcpAddress>(
      credentials,
      "POST",
      `/customers/${encodeURIComponent(customerId)}/addresses`,
      {
        body: { street: address ?? "", type: "service" },
      },
    );
    return created.id;
  }

  private jobsIn(credentials: FieldServiceCredentials, window: SyncWindow): Promise<HcpJob[]> {
    return allPages("jobs", PAGE_SIZE, (page) =>
      this.call<Page<"jobs", HcpJob>>(credentials, "GET", "/jobs", {
        query: {
          scheduled_start_min: window.start.toISOString(),
          scheduled_start_max: window.end.toISOString(),
          page,
          page_size: PAGE_SIZE,
        },
      }),
    );
  }

  private async hcpJob(credentials: FieldServiceCredentials, jobId: string): Promise<HcpJob> {
    return this.call<HcpJob>(credentials, "GET", `/jobs/${encodeURIComponent(jobId)}`);
  }

  private call<T = unknown>(
    credentials: FieldServiceCredentials,
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    options?: { query?: Record<string, string | number | undefined>; body?: unknown },
  ): Promise<T> {
    return housecallRequest<T>(this.settings, credentials, method, path, options);
  }
}

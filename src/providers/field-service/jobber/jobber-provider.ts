import type { CountryCode } from "libphonenumber-js";
import type { SyncWindow } from "../../calendar/calendar-provider.js";
import { ProviderError } from "../../kit/provider-error.js";
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
import { allPages, jobberRequest, succeeded, type Connection, type JobberApiSettings } from "./jobber-graphql.js";
import {
  customerOf,
  jobOf,
  localDateTime,
  technicianOf,
  type JobberClient,
  type JobberJob,
  type JobberUser,
  type JobberVisit,
} from "./jobber-mapping.js";
import * as ops from "./jobber-operations.js";
import type { UserError } from "./jobber-errors.js";

export interface JobberSettings extends JobberApiSettings {
  /** Region for phone numbers stored without a country code. */
  defaultRegion: CountryCode;
}

type Payload<K extends string, T> = Record<K, (T & { userErrors?: UserError[] }) | null>;

/** Jobs are priced per node by Jobber: 20 jobs x 5 visits x 10 users stays far below the bucket. */
const JOB_PAGE = 20;
const LIST_PAGE = 50;

export class JobberProvider implements FieldServiceProvider {
  readonly name = "jobber" as const;

  constructor(private readonly settings: JobberSettings) {}

  async getAccount(credentials: FieldServiceCredentials): Promise<FieldServiceAccount> {
    const { account } = await this.call<{ account: { id: string; name: string } }>(credentials, ops.ACCOUNT);
    return { id: account.id, name: account.name };
  }

  async listJobs(credentials: FieldServiceCredentials, query: JobQuery): Promise<Job[]> {
    const filter = { startAt: { after: query.window.start.toISOString(), before: query.window.end.toISOString() } };
    const nodes = await allPages(async (after) => {
      const data = await this.call<{ jobs: Connection<JobberJob> }>(credentials, ops.JOBS, {
        filter,
        first: JOB_PAGE,
        after,
      });
      return data.jobs;
    });
    const jobs = nodes.map((node) => jobOf(node, this.settings.defaultRegion));
    return query.status ? jobs.filter((job) => job.status === query.status) : jobs;
  }

  async getJob(credentials: FieldServiceCredentials, jobId: string): Promise<Job> {
    return jobOf(await this.jobberJob(credentials, jobId), this.settings.defaultRegion);
  }

  async createJob(
    credentials: FieldServiceCredentials,
    input: NewJob,
    created?: (jobId: string) => Promise<void>,
  ): Promise<Job> {
    const { customer } = await this.syncCustomer(credentials, input.customer);
    const propertyId = await this.propertyOf(credentials, customer.id, input.customer.address);
    // Jobber requires invoicing on every job; these are the one-off, fixed-price values. Visits are
    // created by visitCreate (addVisit) because jobCreate's scheduling takes times of day, not instants.
    const attributes: Record<string, unknown> = {
      propertyId,
      title: input.title,
      invoicing: { invoicingType: "FIXED_PRICE", invoicingSchedule: "ON_COMPLETION" },
      scheduling: { createVisits: false, notifyTeam: false },
    };
    if (input.description) attributes.instructions = input.description;
    if (input.estimatedValue !== undefined) {
      attributes.lineItems = [
        { name: input.title, quantity: 1, unitPrice: Number(input.estimatedValue), saveToProductsAndServices: false },
      ];
    }
    const payload = succeeded(
      "jobCreate",
      (
        await this.call<Payload<"jobCreate", { job: { id: string } | null }>>(credentials, ops.JOB_CREATE, {
          input: attributes,
        })
      ).jobCreate,
    );
    const jobId = payload.job?.id;
    if (!jobId) throw new ProviderError("jobber", "unavailable", "jobCreate answered no job");
    await created?.(jobId);
    try {
      await this.addVisit(credentials, jobId, input);
    } catch (error) {
      // Nobody can complete this job later: close it (best effort) rather than leave it sitting unscheduled.
      if (!created) await this.cancelJob(credentials, jobId).catch(() => undefined);
      throw error;
    }
    return this.getJob(credentials, jobId);
  }

  async completeJob(credentials: FieldServiceCredentials, jobId: string, input: NewJob): Promise<Job> {
    const job = await this.jobberJob(credentials, jobId);
    const visit = openVisitOf(job);
    if (!visit) {
      await this.addVisit(credentials, jobId, input);
      return this.getJob(credentials, jobId);
    }
    const placed =
      visit.startAt &&
      visit.endAt &&
      Date.parse(visit.startAt) === input.start.getTime() &&
      Date.parse(visit.endAt) === input.end.getTime();
    if (!placed)
      await this.moveVisit(credentials, visit, { start: input.start, end: input.end, timeZone: input.timeZone });
    if (input.technicianId) await this.editCrew(credentials, visit, { technicianId: input.technicianId });
    return this.getJob(credentials, jobId);
  }

  async findCreatedJobs(
    credentials: FieldServiceCredentials,
    query: { customer: CustomerDetails; window: SyncWindow },
  ): Promise<Job[]> {
    const match = await this.findCustomer(credentials, query.customer);
    if (!match) return [];
    const nodes = await allPages(async (after) => {
      const { client } = await this.call<{ client: { jobs: Connection<JobberJob> } | null }>(
        credentials,
        ops.CLIENT_JOBS,
        { id: match.customer.id, first: JOB_PAGE, after },
      );
      return client?.jobs ?? { nodes: [], pageInfo: { hasNextPage: false } };
    });
    return nodes.map((node) => jobOf(node, this.settings.defaultRegion));
  }

  async updateJob(credentials: FieldServiceCredentials, jobId: string, changes: JobChanges): Promise<Job> {
    const job = await this.jobberJob(credentials, jobId);
    const edit: Record<string, unknown> = {};
    if (changes.title !== undefined) edit.title = changes.title;
    if (changes.description !== undefined) edit.instructions = changes.description;
    if (Object.keys(edit).length > 0) {
      succeeded(
        "jobEdit",
        (await this.call<Payload<"jobEdit", object>>(credentials, ops.JOB_EDIT, { jobId, input: edit })).jobEdit,
      );
    }
    if (changes.schedule) {
      const visit = openVisitOf(job);
      if (!visit) throw new ProviderError("jobber", "not_found", `job ${jobId} has no open visit to reschedule`);
      await this.moveVisit(credentials, visit, changes.schedule);
    }
    if (changes.technicianId || changes.releasedTechnicianId) {
      for (const visit of openVisits(job)) await this.editCrew(credentials, visit, changes);
    }
    return this.getJob(credentials, jobId);
  }

  async cancelJob(credentials: FieldServiceCredentials, jobId: string): Promise<void> {
    // Jobber has no cancel: closing the job and destroying its incomplete visits frees the crew's time.
    const input = { modifyIncompleteVisitsBy: "DESTROY_ALL" };
    succeeded(
      "jobClose",
      (await this.call<Payload<"jobClose", object>>(credentials, ops.JOB_CLOSE, { jobId, input })).jobClose,
    );
  }

  async findCustomer(
    credentials: FieldServiceCredentials,
    details: CustomerDetails,
  ): Promise<CustomerMatch | undefined> {
    const region = this.settings.defaultRegion;
    const match = await searchForMatch(
      details,
      region,
      (searchTerm) =>
        allPages(async (after) => {
          const data = await this.call<{ clients: Connection<JobberClient> }>(credentials, ops.CLIENTS, {
            searchTerm,
            first: LIST_PAGE,
            after,
          });
          return data.clients;
        }),
      (c) => ({ phones: (c.phones ?? []).map((p) => p.number), emails: (c.emails ?? []).map((e) => e.address) }),
    );
    return match && { customer: customerOf(match.candidate, region), matchedBy: match.matchedBy };
  }

  async syncCustomer(
    credentials: FieldServiceCredentials,
    details: CustomerDetails,
  ): Promise<{ customer: Customer; created: boolean; matchedBy?: CustomerMatchRule }> {
    const existing = await this.findCustomer(credentials, details);
    if (existing) return { ...existing, created: false };
    const input: Record<string, unknown> = splitName(details.name);
    if (details.phone) input.phones = [{ number: details.phone, primary: true }];
    if (details.email) input.emails = [{ address: details.email, primary: true }];
    if (details.address) input.properties = [{ address: { street1: details.address } }];
    const payload = succeeded(
      "clientCreate",
      (
        await this.call<Payload<"clientCreate", { client: JobberClient | null }>>(credentials, ops.CLIENT_CREATE, {
          input,
        })
      ).clientCreate,
    );
    if (!payload.client) throw new ProviderError("jobber", "unavailable", "clientCreate answered no client");
    return { customer: customerOf(payload.client, this.settings.defaultRegion), created: true };
  }

  async listBusyTime(credentials: FieldServiceCredentials, window: SyncWindow): Promise<ScheduledItem[]> {
    const filter = { startAt: { after: window.start.toISOString(), before: window.end.toISOString() } };
    const visits = await allPages(async (after) => {
      const data = await this.call<{ visits: Connection<JobberVisit> }>(credentials, ops.VISITS, {
        filter,
        first: LIST_PAGE,
        after,
      });
      return data.visits;
    });
    // A visit without startAt/endAt is unscheduled (on the job, not on the calendar): not busy.
    return visits.flatMap((visit) =>
      visit.startAt && visit.endAt
        ? [
            {
              id: visit.id,
              jobId: visit.job?.id ?? "",
              title: visit.title ?? "",
              start: new Date(visit.startAt),
              end: new Date(visit.endAt),
              technicianIds: (visit.assignedUsers?.nodes ?? []).map((u) => u.id),
            },
          ]
        : [],
    );
  }

  async listTechnicians(credentials: FieldServiceCredentials): Promise<Technician[]> {
    const users = await allPages(
      async (after) =>
        (await this.call<{ users: Connection<JobberUser> }>(credentials, ops.USERS, { first: LIST_PAGE, after })).users,
    );
    return users.map(technicianOf);
  }

  /** The job's visit at the NewJob's time, with the technician on its crew (visitCreate). */
  private async addVisit(credentials: FieldServiceCredentials, jobId: string, input: NewJob): Promise<void> {
    const schedule: Record<string, unknown> = {
      startAt: localDateTime(input.start, input.timeZone),
      endAt: localDateTime(input.end, input.timeZone),
      notifyTeam: false,
    };
    if (input.technicianId) schedule.teamMemberIdsToAssign = [input.technicianId];
    succeeded(
      "visitCreate",
      (
        await this.call<Payload<"visitCreate", object>>(credentials, ops.VISIT_CREATE, {
          jobId,
          input: { visits: [{ title: input.title, schedule }] },
        })
      ).visitCreate,
    );
  }

  private async moveVisit(
    credentials: FieldServiceCredentials,
    visit: JobberVisit,
    schedule: NonNullable<JobChanges["schedule"]>,
  ): Promise<void> {
    const input = {
      startAt: localDateTime(schedule.start, schedule.timeZone),
      endAt: localDateTime(schedule.end, schedule.timeZone),
    };
    succeeded(
      "visitEditSchedule",
      (
        await this.call<Payload<"visitEditSchedule", object>>(credentials, ops.VISIT_EDIT_SCHEDULE, {
          id: visit.id,
          input,
        })
      ).visitEditSchedule,
    );
  }

  /** visitEditAssignedUsers replaces the crew: read it, change it (crewAfter), write it back when it changed. */
  private async editCrew(credentials: FieldServiceCredentials, visit: JobberVisit, changes: JobChanges): Promise<void> {
    const assignedUserIds = crewAfter(
      (visit.assignedUsers?.nodes ?? []).map((u) => u.id),
      changes,
    );
    if (!assignedUserIds) return;
    succeeded(
      "visitEditAssignedUsers",
      (
        await this.call<Payload<"visitEditAssignedUsers", object>>(credentials, ops.VISIT_EDIT_ASSIGNED_USERS, {
          visitId: visit.id,
          input: { assignedUserIds },
        })
      ).visitEditAssignedUsers,
    );
  }

  /** The client's first property; a job needs one (JobCreateAttributes.propertyId is required). */
  private async propertyOf(
    credentials: FieldServiceCredentials,
    clientId: string,
    address: string | undefined,
  ): Promise<string> {
    const { client } = await this.call<{ client: JobberClient | null }>(credentials, ops.CLIENT_PROPERTIES, {
      id: clientId,
    });
    const existing = client?.clientProperties?.nodes[0]?.id;
    if (existing) return existing;
    const input = { properties: [{ address: { street1: address ?? "" } }] };
    const payload = succeeded(
      "propertyCreate",
      (
        await this.call<Payload<"propertyCreate", { properties: { id: string }[] | null }>>(
          credentials,
          ops.PROPERTY_CREATE,
          { clientId, input },
        )
      ).propertyCreate,
    );
    const id = payload.properties?.[0]?.id;
    if (!id) throw new ProviderError("jobber", "unavailable", "propertyCreate answered no property");
    return id;
  }

  private async jobberJob(credentials: FieldServiceCredentials, jobId: string): Promise<JobberJob> {
    const { job } = await this.call<{ job: JobberJob | null }>(credentials, ops.JOB, { id: jobId });
    if (!job) throw new ProviderError("jobber", "not_found", `job ${jobId} not found`);
    return job;
  }

  private call<T>(
    credentials: FieldServiceCredentials,
    document: string,
    variables?: Record<string, unknown>,
  ): Promise<T> {
    return jobberRequest<T>(this.settings, credentials, document, variables);
  }
}

function openVisits(job: JobberJob): JobberVisit[] {
  return (job.visits?.nodes ?? []).filter((v) => !v.isComplete);
}

/** The open visit that says when the job happens: the first scheduled one, else the first unscheduled one. */
function openVisitOf(job: JobberJob): JobberVisit | undefined {
  const open = openVisits(job);
  return open.find((v) => v.startAt) ?? open[0];
}

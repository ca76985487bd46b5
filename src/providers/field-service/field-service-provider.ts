/**
 * The one interface every field-service adapter implements (jobber/,
 * housecall-pro/). Like the calendar adapters: stateless (credentials are
 * passed per call, decrypted by the caller), no database, no retries of their
 * own (the shared retry policy decides from ProviderError.retryable and
 * retryAfterMs), every provider failure surfaces as a ProviderError.
 */
import type { SyncWindow } from "../calendar/calendar-provider.js";
import type { ProviderCredentials, TokenSet } from "../kit/connector.js";

export type FieldServiceProviderName = "jobber" | "housecall_pro";

/** Our status vocabulary; the provider's own string travels beside it as providerStatus. */
export type JobStatus = "unscheduled" | "scheduled" | "in_progress" | "completed" | "cancelled";

/**
 * Jobber: an OAuth access token, or a Jobber API key (sent as the bearer
 * token too). HouseCall Pro: the company's API key (`Authorization: Token <key>`).
 */
export type FieldServiceCredentials = ProviderCredentials;

/** Who the credentials belong to, read with one real call. */
export interface FieldServiceAccount {
  id: string;
  /** The company name, shown as the integration's account name. */
  name: string;
  /** IANA zone when the provider reports one. */
  timeZone?: string;
}

export interface Customer {
  /** The provider's customer (Jobber: client) id. */
  id: string;
  name: string;
  /** E.164 when the provider's number could be parsed, else as the provider stores it. */
  phone?: string;
  email?: string;
  /** One line, as the provider formats it. */
  address?: string;
}

/** What we know about a caller: phone and/or email to match on, the rest to create with. */
export interface CustomerDetails {
  name: string;
  /** E.164 (the caller validated it). */
  phone?: string;
  email?: string;
  address?: string;
}

/** Which rule found an existing customer: the normalised phone first, then the email. */
export type CustomerMatchRule = "phone" | "email";

export interface CustomerMatch {
  customer: Customer;
  matchedBy: CustomerMatchRule;
}

export interface Technician {
  id: string;
  name: string;
}

export interface Job {
  id: string;
  title: string;
  description?: string;
  status: JobStatus;
  /** The provider's own status string, e.g. "needs scheduling" or "upcoming". */
  providerStatus: string;
  /** Absent while the job is unscheduled. */
  start?: Date;
  end?: Date;
  /** Minutes, where the platform has an arrival window. */
  arrivalWindowMinutes?: number;
  customer?: Customer;
  /** The crew on the job's scheduled work (a job can have several technicians). */
  technicians: Technician[];
  /**
   * The id listBusyTime gives the job's scheduled work (Jobber: its next visit, HouseCall Pro: the
   * job itself); absent while the job is unscheduled.
   */
  scheduledWorkId?: string;
  jobType?: string;
  /** Decimal string with 2 fraction digits, e.g. "350.00". */
  estimatedValue?: string;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface NewJob {
  customer: CustomerDetails;
  title: string;
  description?: string;
  start: Date;
  end: Date;
  /** The business's zone: platforms that take local date and time (Jobber) get it in this zone. */
  timeZone: string;
  /** Added to the crew; whoever else the platform put there stays. */
  technicianId?: string;
  /** Decimal string, e.g. "350.00". */
  estimatedValue?: string;
}

export interface JobChanges {
  title?: string;
  description?: string;
  /** Reschedule: start and end together. */
  schedule?: { start: Date; end: Date; timeZone: string };
  /** Added to the crew (read, merge, write: the platforms replace the whole list). */
  technicianId?: string;
  /** Taken off the crew: the technician this service put there before the appointment was reassigned. */
  releasedTechnicianId?: string;
}

export interface JobQuery {
  /** Jobs whose scheduled start falls in [start, end). */
  window: SyncWindow;
  status?: JobStatus;
}

/** One piece of scheduled work that makes its crew busy. */
export interface ScheduledItem {
  /** Jobber: the visit id; HouseCall Pro: the job id. */
  id: string;
  jobId: string;
  title: string;
  start: Date;
  end: Date;
  technicianIds: string[];
}

export interface FieldServiceProvider {
  readonly name: FieldServiceProviderName;

  /** One real call; ProviderError "unauthorized" for credentials the platform refuses. */
  getAccount(credentials: FieldServiceCredentials): Promise<FieldServiceAccount>;

  /** Every job in the window, following all pages. */
  listJobs(credentials: FieldServiceCredentials, query: JobQuery): Promise<Job[]>;
  getJob(credentials: FieldServiceCredentials, jobId: string): Promise<Job>;
  /**
   * Finds or creates the customer, creates the job with its schedule, adds the technician.
   * With `created`, the job's id is handed over as soon as the platform has the job, before its
   * schedule is added (Jobber: visitCreate after jobCreate), and a failure after that leaves the job
   * for completeJob; without it such a job is closed (best effort), as nobody could complete it.
   */
  createJob(
    credentials: FieldServiceCredentials,
    job: NewJob,
    created?: (jobId: string) => Promise<void>,
  ): Promise<Job>;
  /**
   * Brings a job createJob began to the NewJob's schedule and crew, whichever of its steps were done:
   * Jobber adds the visit the job lacks (or moves its open one), HouseCall Pro sets the schedule;
   * the technician joins the crew. Repeating it changes nothing.
   */
  completeJob(credentials: FieldServiceCredentials, jobId: string, job: NewJob): Promise<Job>;
  /**
   * Where a job createJob made for this customer is, whatever step it stopped at (its answer lost,
   * its schedule not added): Jobber, whose job gets its visit in a second call, lists the matched
   * client's jobs, scheduled or not; HouseCall Pro, whose job is created with its schedule, the jobs
   * starting in the window. Following all pages.
   */
  findCreatedJobs(
    credentials: FieldServiceCredentials,
    query: { customer: CustomerDetails; window: SyncWindow },
  ): Promise<Job[]>;
  updateJob(credentials: FieldServiceCredentials, jobId: string, changes: JobChanges): Promise<Job>;
  cancelJob(credentials: FieldServiceCredentials, jobId: string): Promise<void>;

  /** By normalised E.164 phone first, then by email (case-insensitive). */
  findCustomer(credentials: FieldServiceCredentials, details: CustomerDetails): Promise<CustomerMatch | undefined>;
  /** findCustomer, creating the customer when none matches (matchedBy absent then). */
  syncCustomer(
    credentials: FieldServiceCredentials,
    details: CustomerDetails,
  ): Promise<{ customer: Customer; created: boolean; matchedBy?: CustomerMatchRule }>;

  /** Scheduled work overlapping the window, following all pages; unscheduled work is not busy. */
  listBusyTime(credentials: FieldServiceCredentials, window: SyncWindow): Promise<ScheduledItem[]>;
  /** Users (Jobber) or employees (HouseCall Pro) who can be put on a job. */
  listTechnicians(credentials: FieldServiceCredentials): Promise<Technician[]>;
}

/**
 * Jobber's app flow: OAuth 2 authorization code with the client secret (Jobber
 * documents no PKCE) and refresh-token rotation: every refresh answers a new
 * refresh token that replaces the stored one.
 */
export interface FieldServiceOAuth {
  authorizationUrl(params: { state: string; redirectUri: string }): string;
  exchangeCode(params: { code: string; redirectUri: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
}

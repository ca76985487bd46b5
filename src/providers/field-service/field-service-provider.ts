import type { ProviderCredentials } from "../kit/connector.js";

/**
 * The capability every field-service adapter implements (Jobber, HouseCall
 * Pro): the jobs that fill a business's schedule, and the customers they
 * are for. Like calendar adapters, adapters are stateless: credentials per
 * call, failures as ProviderError, no retries of their own.
 */

/** Our statuses; each adapter maps its own (e.g. HouseCall Pro "complete rated" is completed). */
export type FieldServiceJobStatus = "unscheduled" | "scheduled" | "in_progress" | "completed" | "cancelled";

/** [start, end) of UTC instants. */
export interface JobWindow {
  start: Date;
  end: Date;
}

export interface FieldServiceJob {
  providerJobId: string;
  status: FieldServiceJobStatus;
  title: string;
  /** Absent for an unscheduled job. */
  start?: Date;
  end?: Date;
  providerCustomerId?: string;
  address?: string;
}

export interface FieldServiceCustomer {
  name: string;
  /** E.164. */
  phone?: string;
  email?: string;
  address?: string;
}

export interface NewFieldServiceJob {
  /** Our appointment id; adapters use it to make a retried create idempotent where the provider allows. */
  appointmentId: string;
  providerCustomerId: string;
  title: string;
  description?: string;
  start: Date;
  end: Date;
}

export interface FieldServiceProvider {
  /** Jobs scheduled in the window (and their status), following all pages. */
  listJobs(credentials: ProviderCredentials, window: JobWindow): Promise<FieldServiceJob[]>;
  createJob(credentials: ProviderCredentials, job: NewFieldServiceJob): Promise<{ providerJobId: string }>;
  updateJob(credentials: ProviderCredentials, providerJobId: string, changes: Partial<NewFieldServiceJob>): Promise<void>;
  cancelJob(credentials: ProviderCredentials, providerJobId: string): Promise<void>;
  /** Finds the customer by phone or email, else creates one; returns the provider's id. */
  syncCustomer(credentials: ProviderCredentials, customer: FieldServiceCustomer): Promise<{ providerCustomerId: string }>;
}

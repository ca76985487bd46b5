import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import {
  closeHttpFake,
  sendJson,
  startHttpFake,
  type InjectedFailure,
  type RecordedRequest,
} from "../http-fake-server.js";

/**
 * An in-memory HouseCall Pro public API: `Authorization: Token <key>`, list
 * envelopes { <items>, page, page_size, total_pages, total_items }, error
 * bodies {"error": {"message"}}, 429 with Retry-After on demand, jobs with
 * work_status strings as documented ("needs scheduling", "scheduled", ...),
 * money in cents, and PUT /jobs/{id}/dispatch replacing the employee list.
 */

interface FakeAddress {
  id: string;
  type: "service" | "billing";
  street: string;
}

interface FakeCustomer {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_number: string | null;
  home_number: string | null;
  addresses: FakeAddress[];
}

interface FakeEmployee {
  id: string;
  first_name: string;
  last_name: string;
  role: "field tech";
}

interface FakeJob {
  id: string;
  description: string;
  notes: string | null;
  customerId: string;
  addressId: string;
  work_status: string;
  scheduled_start: string | null;
  scheduled_end: string | null;
  arrival_window: number;
  total_amount: number;
  employeeIds: string[];
  created_at: string;
  updated_at: string;
}

const error = (message: string) => ({ error: { message } });

export class HousecallProFake {
  readonly requests: RecordedRequest[] = [];
  readonly company = { id: "company_1", name: "Best HVAC", time_zone: "America/Chicago" };
  /** The most items one page holds, whatever page_size asks. */
  maxPageSize = 100;

  private readonly keys = new Set<string>();
  private readonly customers = new Map<string, FakeCustomer>();
  private readonly employees = new Map<string, FakeEmployee>();
  private readonly jobs = new Map<string, FakeJob>();
  private failures: InjectedFailure[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<HousecallProFake> {
    let fake: HousecallProFake | undefined;
    const { server, url } = await startHttpFake((req, u, body, res) => fake?.handle(req, u, body, res));
    fake = new HousecallProFake(server, url);
    return fake;
  }

  close(): Promise<void> {
    return closeHttpFake(this.server);
  }

  // ---- test controls -------------------------------------------------------

  issueApiKey(): string {
    const key = randomBytes(16).toString("hex");
    this.keys.add(key);
    return key;
  }

  addEmployee(name: string): string {
    const [first = "", ...rest] = name.split(" ");
    const id = `pro_${randomBytes(8).toString("hex")}`;
    this.employees.set(id, { id, first_name: first, last_name: rest.join(" "), role: "field tech" });
    return id;
  }

  addCustomer(input: { name: string; phone?: string; email?: string; street?: string }): string {
    const [first = "", ...rest] = input.name.split(" ");
    const id = `cus_${randomBytes(8).toString("hex")}`;
    this.customers.set(id, {
      id,
      first_name: first,
      last_name: rest.join(" "),
      email: input.email ?? null,
      mobile_number: input.phone ?? null,
      home_number: null,
      addresses: input.street
        ? [{ id: `adr_${randomBytes(6).toString("hex")}`, type: "service", street: input.street }]
        : [],
    });
    return id;
  }

  /** A job; without start/end it "needs scheduling". */
  addJob(input: { title: string; customerId: string; start?: string; end?: string; employeeIds?: string[] }): string {
    const customer = this.customers.get(input.customerId);
    if (!customer) throw new Error(`no customer ${input.customerId}`);
    if (customer.addresses.length === 0)
      customer.addresses.push({ id: `adr_${randomBytes(6).toString("hex")}`, type: "service", street: "1 Main St" });
    return this.newJob({
      description: input.title,
      customerId: customer.id,
      addressId: customer.addresses[0]?.id ?? "",
      start: input.start ?? null,
      end: input.end ?? null,
      employeeIds: input.employeeIds ?? [],
      total: 0,
      notes: null,
    }).id;
  }

  /** The business dispatches these employees to a job in HouseCall Pro (replacing the list). */
  dispatchJob(jobId: string, employeeIds: string[]): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    job.employeeIds = [...employeeIds];
  }

  /** Jobs whose notes contain the text (what a booking delivered as a job carries). */
  jobsWithNotes(text: string): FakeJob[] {
    return [...this.jobs.values()].filter((job) => job.notes?.includes(text));
  }

  /** The business reschedules a job in HouseCall Pro (null: unschedules it). */
  rescheduleJob(jobId: string, start: string | null, end: string | null): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    const work_status = start ? "scheduled" : "needs scheduling";
    Object.assign(job, {
      scheduled_start: start,
      scheduled_end: end,
      work_status,
      updated_at: new Date().toISOString(),
    });
  }

  crewOf(jobId: string): string[] {
    return [...(this.jobs.get(jobId)?.employeeIds ?? [])];
  }

  jobOf(jobId: string): FakeJob | undefined {
    return this.jobs.get(jobId);
  }

  customerCount(): number {
    return this.customers.size;
  }

  jobCount(): number {
    return this.jobs.size;
  }

  /** The next API requests answer these statuses, in order. */
  failNext(...failures: InjectedFailure[]): void {
    this.failures.push(...failures);
  }

  // ---- HTTP ------------------------------------------------------------------

  private handle(req: IncomingMessage, url: URL, body: string, res: ServerResponse): void {
    const method = req.method ?? "GET";
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method, path: url.pathname, query, headers: req.headers, body, receivedAt: Date.now() });
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds !== undefined ? { "retry-after": String(failure.retryAfterSeconds) } : {};
      return sendJson(
        res,
        failure.status,
        error(failure.status === 429 ? "Too many requests" : "Something went wrong"),
        headers,
      );
    }
    const key = /^token (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!key || !this.keys.has(key)) return sendJson(res, 401, error("Unauthorized"));
    let input: Record<string, unknown> = {};
    if (body) {
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, error("Invalid JSON"));
      }
    }
    const path = url.pathname;
    const send = (status: number, payload: unknown) => sendJson(res, status, payload);

    if (path === "/company" && method === "GET") return send(200, { ...this.company, phone_number: "5550000000" });
    if (path === "/employees" && method === "GET")
      return send(200, this.page("employees", [...this.employees.values()], query));
    if (path === "/customers" && method === "GET")
      return send(200, this.page("customers", this.searchCustomers(query.q ?? ""), query));
    if (path === "/customers" && method === "POST") return this.createCustomer(input, send);
    if (path === "/jobs" && method === "GET")
      return send(
        200,
        this.page(
          "jobs",
          this.jobsIn(query).map((j) => this.jobView(j)),
          query,
        ),
      );
    if (path === "/jobs" && method === "POST") return this.createJob(input, send);

    const customerMatch = /^\/customers\/([^/]+)(\/addresses)?$/.exec(path);
    if (customerMatch) {
      const customer = this.customers.get(decodeURIComponent(customerMatch[1] ?? ""));
      if (!customer) return send(404, error("Customer not found"));
      if (!customerMatch[2] && method === "GET") return send(200, customer);
      if (customerMatch[2] && method === "POST") {
        const address: FakeAddress = {
          id: `adr_${randomBytes(6).toString("hex")}`,
          type: input.type === "billing" ? "billing" : "service",
          street: String(input.street ?? ""),
        };
        customer.addresses.push(address);
        return send(201, address);
      }
    }
    const jobMatch = /^\/jobs\/([^/]+)(\/schedule|\/dispatch)?$/.exec(path);
    if (jobMatch) {
      const job = this.jobs.get(decodeURIComponent(jobMatch[1] ?? ""));
      if (!job) return send(404, error("Job not found"));
      return this.jobAction(job, jobMatch[2] ?? "", method, input, send);
    }
    return send(404, error("Not found"));
  }

  private jobAction(
    job: FakeJob,
    sub: string,
    method: string,
    input: Record<string, unknown>,
    send: (status: number, payload: unknown) => void,
  ): void {
    const touch = () => (job.updated_at = new Date().toISOString());
    if (sub === "" && method === "GET") return send(200, this.jobView(job));
    if (sub === "" && method === "PUT") {
      if (input.description !== undefined) job.description = String(input.description);
      if (input.notes !== undefined) job.notes = String(input.notes);
      touch();
      return send(200, this.jobView(job));
    }
    if (sub === "/schedule" && method === "PUT") {
      const start = typeof input.start_time === "string" ? input.start_time : undefined;
      const end = typeof input.end_time === "string" ? input.end_time : undefined;
      if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)))
        return send(422, error("start_time and end_time are required"));
      if (Date.parse(end) <= Date.parse(start)) return send(422, error("end_time must be after start_time"));
      job.scheduled_start = start;
      job.scheduled_end = end;
      job.arrival_window =
        typeof input.arrival_window_in_minutes === "number" ? input.arrival_window_in_minutes : job.arrival_window;
      if (job.work_status === "needs scheduling") job.work_status = "scheduled";
      touch();
      return send(200, this.jobView(job));
    }
    if (sub === "/schedule" && method === "DELETE") {
      job.scheduled_start = null;
      job.scheduled_end = null;
      job.work_status = "needs scheduling";
      touch();
      return send(204, undefined);
    }
    if (sub === "/dispatch" && method === "PUT") {
      const list = input.dispatched_employees;
      if (!Array.isArray(list)) return send(422, error("dispatched_employees is required"));
      const ids = list.map((e) => String((e as { employee_id?: unknown }).employee_id ?? ""));
      const unknown = ids.find((id) => !this.employees.has(id));
      if (unknown !== undefined) return send(422, error(`Employee ${unknown} not found`));
      job.employeeIds = ids; // replaces the whole list
      touch();
      return send(200, this.jobView(job));
    }
    return send(405, error("Method not allowed"));
  }

  private createCustomer(input: Record<string, unknown>, send: (status: number, payload: unknown) => void): void {
    if (typeof input.first_name !== "string" || !input.first_name) return send(400, error("first_name is required"));
    const addresses = ((input.addresses as { street?: string; type?: string }[] | undefined) ?? []).map((a) => ({
      id: `adr_${randomBytes(6).toString("hex")}`,
      type: (a.type === "billing" ? "billing" : "service") as FakeAddress["type"],
      street: a.street ?? "",
    }));
    const id = `cus_${randomBytes(8).toString("hex")}`;
    const customer: FakeCustomer = {
      id,
      first_name: input.first_name,
      last_name: String(input.last_name ?? ""),
      email: typeof input.email === "string" ? input.email : null,
      mobile_number: typeof input.mobile_number === "string" ? input.mobile_number : null,
      home_number: null,
      addresses,
    };
    this.customers.set(id, customer);
    send(201, customer);
  }

  private createJob(input: Record<string, unknown>, send: (status: number, payload: unknown) => void): void {
    const customer = this.customers.get(String(input.customer_id ?? ""));
    if (!customer) return send(422, error("customer_id is invalid"));
    const addressId = String(input.address_id ?? "");
    if (!customer.addresses.some((a) => a.id === addressId)) return send(422, error("address_id is invalid"));
    const schedule =
      (input.schedule as { scheduled_start?: string; scheduled_end?: string; arrival_window?: number } | undefined) ??
      {};
    const employeeIds = ((input.assigned_employee_ids as string[] | undefined) ?? []).map(String);
    const unknown = employeeIds.find((id) => !this.employees.has(id));
    if (unknown !== undefined) return send(422, error(`Employee ${unknown} not found`));
    const lines = (input.line_items as { unit_price?: number; quantity?: number }[] | undefined) ?? [];
    const job = this.newJob({
      description: String(input.description ?? ""),
      notes: typeof input.notes === "string" ? input.notes : null,
      customerId: customer.id,
      addressId,
      start: schedule.scheduled_start ?? null,
      end: schedule.scheduled_end ?? null,
      employeeIds,
      total: lines.reduce((sum, l) => sum + (l.unit_price ?? 0) * (l.quantity ?? 1), 0),
    });
    send(201, this.jobView(job));
  }

  private newJob(input: {
    description: string;
    notes: string | null;
    customerId: string;
    addressId: string;
    start: string | null;
    end: string | null;
    employeeIds: string[];
    total: number;
  }): FakeJob {
    const now = new Date().toISOString();
    const job: FakeJob = {
      id: `job_${randomBytes(8).toString("hex")}`,
      description: input.description,
      notes: input.notes,
      customerId: input.customerId,
      addressId: input.addressId,
      work_status: input.start ? "scheduled" : "needs scheduling",
      scheduled_start: input.start,
      scheduled_end: input.end,
      arrival_window: 0,
      total_amount: input.total,
      employeeIds: input.employeeIds,
      created_at: now,
      updated_at: now,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private searchCustomers(q: string): FakeCustomer[] {
    const term = q.toLowerCase();
    const digits = term.replace(/\D/g, "");
    return [...this.customers.values()].filter(
      (c) =>
        !term ||
        `${c.first_name} ${c.last_name}`.toLowerCase().includes(term) ||
        (c.email ?? "").toLowerCase().includes(term) ||
        (digits.length >= 4 &&
          [c.mobile_number, c.home_number].some((p) => (p ?? "").replace(/\D/g, "").includes(digits))),
    );
  }

  private jobsIn(query: Record<string, string>): FakeJob[] {
    const min = query.scheduled_start_min ? Date.parse(query.scheduled_start_min) : -Infinity;
    const max = query.scheduled_start_max ? Date.parse(query.scheduled_start_max) : Infinity;
    const filtered = query.scheduled_start_min || query.scheduled_start_max;
    return [...this.jobs.values()].filter((job) => {
      if (!filtered) return true;
      if (!job.scheduled_start) return false;
      const at = Date.parse(job.scheduled_start);
      return at >= min && at <= max;
    });
  }

  private page<K extends string, T>(key: K, items: T[], query: Record<string, string>) {
    const page = Math.max(1, Number(query.page ?? 1));
    const pageSize = Math.min(Math.max(1, Number(query.page_size ?? 10)), this.maxPageSize);
    const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
    return {
      [key]: items.slice((page - 1) * pageSize, page * pageSize),
      page,
      page_size: pageSize,
      total_pages: totalPages,
      total_items: items.length,
    } as Record<K, T[]> & { page: number };
  }

  private jobView(job: FakeJob) {
    const customer = this.customers.get(job.customerId) as FakeCustomer;
    return {
      id: job.id,
      invoice_number: job.id.slice(-4),
      description: job.description,
      notes: job.notes,
      customer,
      address: customer.addresses.find((a) => a.id === job.addressId) ?? null,
      work_status: job.work_status,
      work_timestamps: { on_my_way_at: null, started_at: null, completed_at: null },
      schedule: {
        scheduled_start: job.scheduled_start,
        scheduled_end: job.scheduled_end,
        arrival_window: job.arrival_window,
        appointments: [],
      },
      total_amount: job.total_amount,
      outstanding_balance: job.total_amount,
      assigned_employees: job.employeeIds.map((id) => this.employees.get(id)),
      tags: [],
      job_fields: { job_type: { id: "jt_1", name: "Repair" }, business_unit: null },
      created_at: job.created_at,
      updated_at: job.updated_at,
      company_name: this.company.name,
      company_id: this.company.id,
    };
  }
}

import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { DateTime } from "luxon";
import {
  closeHttpFake,
  sendJson,
  startHttpFake,
  type InjectedFailure,
  type RecordedRequest,
} from "../http-fake-server.js";

/**
 * An in-memory Jobber speaking its wire format: one GraphQL endpoint
 * (POST /api/graphql, bearer token, X-JOBBER-GRAPHQL-VERSION required),
 * errors in HTTP 200 bodies, `userErrors` on failed mutations, Relay
 * connections with cursors, the query-cost leaky bucket (THROTTLED with
 * extensions.cost.throttleStatus), and the OAuth app flow with rotating
 * refresh tokens (/api/oauth/authorize, /api/oauth/token).
 *
 * It is not a GraphQL engine: it dispatches on the operation name (or the
 * root field) and answers the fields the adapter selects.
 */

export const JOBBER_VERSION = "2025-04-16";
const CLIENT_ID = "fake-jobber-client-id";
const CLIENT_SECRET = "fake-jobber-client-secret";
const BUCKET = { maximumAvailable: 10_000, restoreRate: 500 };

interface FakeUser {
  id: string;
  name: string;
}

interface FakeClient {
  id: string;
  name: string;
  phones: string[];
  emails: string[];
  properties: { id: string; street1: string }[];
}

interface FakeVisit {
  id: string;
  jobId: string;
  title: string;
  startAt?: string;
  endAt?: string;
  isComplete: boolean;
  assignedUserIds: string[];
}

interface FakeJob {
  id: string;
  title: string;
  instructions?: string;
  clientId: string;
  propertyId: string;
  total: number;
  closed: boolean;
  createdAt: string;
  updatedAt: string;
}

type Vars = Record<string, unknown>;
type Answer = { data?: unknown; errors?: unknown[] };

export class JobberFake {
  readonly requests: RecordedRequest[] = [];
  accountName = "Acme Plumbing";
  readonly accountId = gid("Account", 1);
  /** The most nodes one page holds, whatever `first` asks (to exercise cursors). */
  maxPageSize = 100;

  private readonly tokens = new Set<string>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly codes = new Map<string, { redirectUri: string }>();
  private readonly retired: string[] = [];
  private readonly users = new Map<string, FakeUser>();
  private readonly clients = new Map<string, FakeClient>();
  private readonly jobs = new Map<string, FakeJob>();
  private readonly visits = new Map<string, FakeVisit>();
  private failures: InjectedFailure[] = [];
  private throttled = 0;
  private seq = 1;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<JobberFake> {
    let fake: JobberFake | undefined;
    const { server, url } = await startHttpFake((req, u, body, res) => fake?.handle(req, u, body, res));
    fake = new JobberFake(server, url);
    return fake;
  }

  close(): Promise<void> {
    return closeHttpFake(this.server);
  }

  get graphqlUrl(): string {
    return `${this.url}/api/graphql`;
  }

  get oauthBaseUrl(): string {
    return `${this.url}/api/oauth`;
  }

  readonly clientId = CLIENT_ID;
  readonly clientSecret = CLIENT_SECRET;

  // ---- test controls -------------------------------------------------------

  /** An API key (or access token) the GraphQL endpoint accepts as bearer. */
  issueApiKey(): string {
    const key = `jobber_${randomBytes(12).toString("hex")}`;
    this.tokens.add(key);
    return key;
  }

  addUser(name: string): string {
    const id = gid("User", this.seq++);
    this.users.set(id, { id, name });
    return id;
  }

  addClient(input: { name: string; phone?: string; email?: string; street1?: string }): string {
    const id = gid("Client", this.seq++);
    this.clients.set(id, {
      id,
      name: input.name,
      phones: input.phone ? [input.phone] : [],
      emails: input.email ? [input.email] : [],
      properties: input.street1 ? [{ id: gid("Property", this.seq++), street1: input.street1 }] : [],
    });
    return id;
  }

  /** A job with one visit; without start/end the visit is unscheduled. */
  addJob(input: { title: string; clientId: string; start?: string; end?: string; userIds?: string[] }): {
    jobId: string;
    visitId: string;
  } {
    const client = this.clients.get(input.clientId);
    if (!client) throw new Error(`no client ${input.clientId}`);
    if (client.properties.length === 0)
      client.properties.push({ id: gid("Property", this.seq++), street1: "1 Main St" });
    const job = this.newJob(input.title, input.clientId, client.properties[0]?.id ?? "", 0);
    const visitId = this.newVisit(job.id, input.title, input.start, input.end, input.userIds ?? []);
    return { jobId: job.id, visitId };
  }

  /** Jobs whose instructions contain the text (what a booking delivered as a job carries). */
  jobsWithInstructions(text: string): FakeJob[] {
    return [...this.jobs.values()].filter((job) => job.instructions?.includes(text));
  }

  /** The business moves a visit in Jobber. */
  rescheduleVisit(visitId: string, startAt: string, endAt: string): void {
    const visit = this.visits.get(visitId);
    if (!visit) throw new Error(`no visit ${visitId}`);
    Object.assign(visit, { startAt, endAt });
  }

  /** The business puts this crew on a visit in Jobber (replacing whoever was on it). */
  assignVisit(visitId: string, userIds: string[]): void {
    const visit = this.visits.get(visitId);
    if (!visit) throw new Error(`no visit ${visitId}`);
    visit.assignedUserIds = [...userIds];
  }

  crewOf(visitId: string): string[] {
    return [...(this.visits.get(visitId)?.assignedUserIds ?? [])];
  }

  visitsOf(jobId: string): FakeVisit[] {
    return [...this.visits.values()].filter((v) => v.jobId === jobId);
  }

  clientCount(): number {
    return this.clients.size;
  }

  jobCount(): number {
    return this.jobs.size;
  }

  /**
   * The next n GraphQL requests answer THROTTLED (HTTP 200) with this many
   * points left; requestedQueryCost is the query's own estimate unless given.
   */
  throttleNext(n: number, report: { currentlyAvailable?: number; requestedQueryCost?: number } = {}): void {
    this.throttled = n;
    this.throttleReport = report;
  }
  private throttleReport: { currentlyAvailable?: number; requestedQueryCost?: number } = {};

  /** The next requests to the GraphQL endpoint answer these HTTP statuses, in order. */
  failNext(...failures: InjectedFailure[]): void {
    this.failures.push(...failures);
  }

  /** Every token the fake has issued, to check nothing leaks. */
  issuedSecrets(): string[] {
    return [...this.tokens, ...this.refreshTokens.keys(), ...this.retired];
  }

  operations(): string[] {
    return this.requests.flatMap((r) => (r.operation ? [r.operation] : []));
  }

  // ---- HTTP ------------------------------------------------------------------

  private async handle(req: IncomingMessage, url: URL, body: string, res: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    this.requests.push(record);
    if (url.pathname === "/api/oauth/authorize" && req.method === "GET") return this.authorize(url, res);
    if (url.pathname === "/api/oauth/token" && req.method === "POST") return this.token(new URLSearchParams(body), res);
    if (url.pathname !== "/api/graphql" || req.method !== "POST")
      return sendJson(res, 404, { errors: [{ message: "Not Found" }] });

    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds !== undefined ? { "retry-after": String(failure.retryAfterSeconds) } : {};
      return sendJson(
        res,
        failure.status,
        failure.status === 429 ? { message: "Too Many Requests" } : { errors: [{ message: "error" }] },
        headers,
      );
    }
    const bearer = /^bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !this.tokens.has(bearer)) return sendJson(res, 401, { message: "Unauthorized" });
    const version = req.headers["x-jobber-graphql-version"];
    if (typeof version !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
      return sendJson(res, 400, { errors: [{ message: "X-JOBBER-GRAPHQL-VERSION header is required" }] });
    }

    let request: { query?: string; variables?: Vars; operationName?: string };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return sendJson(res, 400, { errors: [{ message: "Invalid JSON" }] });
    }
    const query = request.query ?? "";
    const operation = request.operationName ?? /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
    record.operation = operation;
    record.variables = request.variables ?? {};
    const throttling = this.throttled > 0;
    const requested = (throttling ? this.throttleReport.requestedQueryCost : undefined) ?? estimateCost(query);
    const extensions = (available: number) => ({
      cost: {
        requestedQueryCost: requested,
        actualQueryCost: null as number | null,
        throttleStatus: { ...BUCKET, currentlyAvailable: available },
      },
      versioning: { version },
    });
    if (throttling) {
      this.throttled--;
      return sendJson(res, 200, {
        errors: [
          {
            message: "Throttled",
            extensions: {
              code: "THROTTLED",
              documentation: "https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits",
            },
          },
        ],
        extensions: extensions(this.throttleReport.currentlyAvailable ?? 0),
      });
    }
    const answer = this.execute(operation ?? "", request.variables ?? {});
    const ext = extensions(BUCKET.maximumAvailable - requested);
    ext.cost.actualQueryCost = requested;
    sendJson(res, 200, { ...answer, extensions: ext });
  }

  private execute(operation: string, v: Vars): Answer {
    switch (operation) {
      case "Account":
        return { data: { account: { id: this.accountId, name: this.accountName } } };
      case "Users":
        return {
          data: {
            users: this.page(
              [...this.users.values()].map((u) => this.userNode(u)),
              v,
            ),
          },
        };
      case "Clients": {
        const term = String(v.searchTerm ?? "").toLowerCase();
        const digits = term.replace(/\D/g, "");
        const hits = [...this.clients.values()].filter(
          (c) =>
            !term ||
            c.name.toLowerCase().includes(term) ||
            c.emails.some((e) => e.toLowerCase().includes(term)) ||
            (digits.length >= 4 && c.phones.some((p) => p.replace(/\D/g, "").includes(digits))),
        );
        return {
          data: {
            clients: this.page(
              hits.map((c) => this.clientNode(c)),
              v,
            ),
          },
        };
      }
      case "ClientProperties": {
        const client = this.clients.get(String(v.id));
        return client ? { data: { client: this.clientNode(client) } } : notFound("client", v.id);
      }
      case "ClientCreate":
        return this.clientCreate(v.input as Vars);
      case "PropertyCreate":
        return this.propertyCreate(String(v.clientId), v.input as Vars);
      case "Jobs":
        return this.listJobs(v);
      case "Job": {
        const job = this.jobs.get(String(v.id));
        return job ? { data: { job: this.jobNode(job) } } : notFound("job", v.id);
      }
      case "JobCreate":
        return this.jobCreate(v.input as Vars);
      case "VisitCreate":
        return this.visitCreate(String(v.jobId), v.input as Vars);
      case "JobEdit":
        return this.jobEdit(String(v.jobId), v.input as Vars);
      case "VisitEditSchedule":
        return this.visitEditSchedule(String(v.id), v.input as Vars);
      case "VisitEditAssignedUsers":
        return this.visitEditAssignedUsers(String(v.visitId), v.input as Vars);
      case "JobClose":
        return this.jobClose(String(v.jobId), v.input as Vars);
      case "Visits":
        return this.listVisits(v);
      default:
        return {
          errors: [
            { message: `this fake does not serve operation ${operation || "(anonymous)"}; send named operations` },
          ],
        };
    }
  }

  // ---- resolvers -----------------------------------------------------------------

  private clientCreate(input: Vars): Answer {
    const name = [input.firstName, input.lastName].filter(Boolean).join(" ").trim() || String(input.companyName ?? "");
    if (!name)
      return payload("clientCreate", { client: null }, [{ message: "Client must have a name", path: ["firstName"] }]);
    const phones = ((input.phones as { number: string }[] | undefined) ?? []).map((p) => p.number);
    const emails = ((input.emails as { address: string }[] | undefined) ?? []).map((e) => e.address);
    const properties = ((input.properties as { address?: { street1?: string } }[] | undefined) ?? []).map((p) => ({
      id: gid("Property", this.seq++),
      street1: p.address?.street1 ?? "",
    }));
    const id = gid("Client", this.seq++);
    const client = { id, name, phones, emails, properties };
    this.clients.set(id, client);
    return payload("clientCreate", { client: this.clientNode(client) });
  }

  private propertyCreate(clientId: string, input: Vars): Answer {
    const client = this.clients.get(clientId);
    if (!client)
      return payload("propertyCreate", { properties: null }, [{ message: "Client not found", path: ["clientId"] }]);
    const created = ((input.properties as { address?: { street1?: string } }[] | undefined) ?? []).map((p) => ({
      id: gid("Property", this.seq++),
      street1: p.address?.street1 ?? "",
    }));
    client.properties.push(...created);
    return payload("propertyCreate", { properties: created.map((p) => ({ id: p.id })) });
  }

  private jobCreate(input: Vars): Answer {
    const propertyId = String(input.propertyId ?? "");
    const client = [...this.clients.values()].find((c) => c.properties.some((p) => p.id === propertyId));
    if (!client)
      return payload("jobCreate", { job: null }, [{ message: "Property not found", path: ["input", "propertyId"] }]);
    if (!input.invoicing)
      return payload("jobCreate", { job: null }, [
        { message: "Invoicing can't be blank", path: ["input", "invoicing"] },
      ]);
    const lines = (input.lineItems as { unitPrice: number; quantity: number }[] | undefined) ?? [];
    const job = this.newJob(
      String(input.title ?? ""),
      client.id,
      propertyId,
      lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0),
    );
    if (input.instructions) job.instructions = String(input.instructions);
    return payload("jobCreate", { job: { id: job.id } });
  }

  private visitCreate(jobId: string, input: Vars): Answer {
    if (!this.jobs.has(jobId))
      return payload("visitCreate", { createdVisits: null }, [{ message: "Job not found", path: ["jobId"] }]);
    const specs = (input.visits as { title?: string; schedule?: Vars }[] | undefined) ?? [];
    const created: string[] = [];
    for (const [index, spec] of specs.entries()) {
      const start = spec.schedule?.startAt ? instant(spec.schedule.startAt as LocalDateTime) : undefined;
      const end = spec.schedule?.endAt ? instant(spec.schedule.endAt as LocalDateTime) : undefined;
      if (start && end && end <= start) {
        return payload("visitCreate", { createdVisits: null }, [
          { message: "End time must be after start time", path: ["input", "visits", String(index), "schedule"] },
        ]);
      }
      const userIds = (spec.schedule?.teamMemberIdsToAssign as string[] | undefined) ?? [];
      const unknown = userIds.find((id) => !this.users.has(id));
      if (unknown)
        return payload("visitCreate", { createdVisits: null }, [
          {
            message: `User ${unknown} not found`,
            path: ["input", "visits", String(index), "schedule", "teamMemberIdsToAssign"],
          },
        ]);
      created.push(this.newVisit(jobId, spec.title ?? "", start, end, userIds));
    }
    return payload("visitCreate", { createdVisits: created.map((id) => ({ id })) });
  }

  private jobEdit(jobId: string, input: Vars): Answer {
    const job = this.jobs.get(jobId);
    if (!job) return payload("jobEdit", { job: null }, [{ message: "Job not found", path: ["jobId"] }]);
    if (input.title !== undefined) job.title = String(input.title);
    if (input.instructions !== undefined) job.instructions = String(input.instructions);
    job.updatedAt = new Date().toISOString();
    return payload("jobEdit", { job: { id: job.id } });
  }

  private visitEditSchedule(visitId: string, input: Vars): Answer {
    const visit = this.visits.get(visitId);
    if (!visit) return payload("visitEditSchedule", { visit: null }, [{ message: "Visit not found", path: ["id"] }]);
    const start = input.startAt ? instant(input.startAt as LocalDateTime) : visit.startAt;
    const end = input.endAt ? instant(input.endAt as LocalDateTime) : visit.endAt;
    if (start && end && end <= start)
      return payload("visitEditSchedule", { visit: null }, [
        { message: "End time must be after start time", path: ["input", "endAt"] },
      ]);
    visit.startAt = start;
    visit.endAt = end;
    return payload("visitEditSchedule", { visit: { id: visit.id } });
  }

  /** Replaces the whole crew, as Jobber does. */
  private visitEditAssignedUsers(visitId: string, input: Vars): Answer {
    const visit = this.visits.get(visitId);
    if (!visit)
      return payload("visitEditAssignedUsers", { visit: null }, [{ message: "Visit not found", path: ["visitId"] }]);
    const ids = (input.assignedUserIds as string[] | undefined) ?? [];
    const unknown = ids.find((id) => !this.users.has(id));
    if (unknown)
      return payload("visitEditAssignedUsers", { visit: null }, [
        { message: `User ${unknown} not found`, path: ["input", "assignedUserIds"] },
      ]);
    visit.assignedUserIds = [...ids];
    return payload("visitEditAssignedUsers", { visit: this.visitNode(visit) });
  }

  private jobClose(jobId: string, input: Vars): Answer {
    const job = this.jobs.get(jobId);
    if (!job) return payload("jobClose", { job: null }, [{ message: "Job not found", path: ["jobId"] }]);
    const mode = input.modifyIncompleteVisitsBy;
    if (mode !== "DESTROY_ALL" && mode !== "COMPLETE_PAST_DESTROY_FUTURE") {
      return payload("jobClose", { job: null }, [
        { message: "modifyIncompleteVisitsBy is required", path: ["input", "modifyIncompleteVisitsBy"] },
      ]);
    }
    for (const visit of this.visitsOf(jobId)) if (!visit.isComplete) this.visits.delete(visit.id);
    job.closed = true;
    return payload("jobClose", { job: { id: job.id, jobStatus: "archived" } });
  }

  private listJobs(v: Vars): Answer {
    const range = (v.filter as { startAt?: { after?: string; before?: string } } | undefined)?.startAt;
    const jobs = [...this.jobs.values()].filter((job) => {
      if (!range) return true;
      const start = this.jobStart(job);
      return start !== undefined && within(start, range);
    });
    return {
      data: {
        jobs: this.page(
          jobs.map((j) => this.jobNode(j)),
          v,
        ),
      },
    };
  }

  private listVisits(v: Vars): Answer {
    const range = (v.filter as { startAt?: { after?: string; before?: string } } | undefined)?.startAt;
    // Filtering on startAt leaves out visits without one: unscheduled visits have no start.
    const visits = [...this.visits.values()].filter(
      (visit) => !range || (visit.startAt !== undefined && within(visit.startAt, range)),
    );
    return {
      data: {
        visits: this.page(
          visits.map((visit) => this.visitNode(visit)),
          v,
        ),
      },
    };
  }

  // ---- nodes -----------------------------------------------------------------------

  private page<T>(
    nodes: T[],
    v: Vars,
  ): {
    nodes: T[];
    edges: { cursor: string; node: T }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  } {
    const offset = v.after ? Number(Buffer.from(String(v.after), "base64").toString("utf8")) : 0;
    const size = Math.min(typeof v.first === "number" ? v.first : 100, this.maxPageSize);
    const slice = nodes.slice(offset, offset + size);
    const cursorAt = (i: number) => Buffer.from(String(i)).toString("base64");
    const end = offset + slice.length;
    return {
      nodes: slice,
      edges: slice.map((node, i) => ({ cursor: cursorAt(offset + i + 1), node })),
      pageInfo: { hasNextPage: end < nodes.length, endCursor: slice.length ? cursorAt(end) : null },
      totalCount: nodes.length,
    };
  }

  private userNode(user: FakeUser) {
    return { id: user.id, name: { full: user.name } };
  }

  private clientNode(client: FakeClient) {
    const properties = client.properties.map((p) => ({
      id: p.id,
      address: { street1: p.street1, street2: null, city: null, province: null, postalCode: null },
    }));
    return {
      id: client.id,
      name: client.name,
      phones: client.phones.map((number) => ({ number })),
      emails: client.emails.map((address) => ({ address })),
      clientProperties: {
        nodes: properties.slice(0, 1),
        pageInfo: { hasNextPage: properties.length > 1, endCursor: null },
      },
    };
  }

  private visitNode(visit: FakeVisit) {
    return {
      id: visit.id,
      title: visit.title,
      startAt: visit.startAt ?? null,
      endAt: visit.endAt ?? null,
      isComplete: visit.isComplete,
      job: { id: visit.jobId },
      assignedUsers: {
        nodes: visit.assignedUserIds.flatMap((id) =>
          this.users.has(id) ? [this.userNode(this.users.get(id) as FakeUser)] : [],
        ),
        pageInfo: { hasNextPage: false, endCursor: null },
      },
    };
  }

  private jobNode(job: FakeJob) {
    const client = this.clients.get(job.clientId) as FakeClient;
    const visits = this.visitsOf(job.id);
    const scheduled = visits.filter((v) => v.startAt);
    const status = job.closed ? "archived" : scheduled.length === 0 ? "unscheduled" : "upcoming";
    const property = client.properties.find((p) => p.id === job.propertyId);
    return {
      id: job.id,
      title: job.title,
      instructions: job.instructions ?? null,
      jobStatus: status,
      jobType: "ONE_OFF",
      startAt: this.jobStart(job) ?? null,
      endAt: scheduled.at(-1)?.endAt ?? null,
      total: job.total,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      client: this.clientNode(client),
      property: {
        address: { street1: property?.street1 ?? "", street2: null, city: null, province: null, postalCode: null },
      },
      visits: { nodes: visits.map((v) => this.visitNode(v)), pageInfo: { hasNextPage: false, endCursor: null } },
    };
  }

  private jobStart(job: FakeJob): string | undefined {
    return this.visitsOf(job.id)
      .map((v) => v.startAt)
      .filter((s): s is string => Boolean(s))
      .sort()[0];
  }

  private newJob(title: string, clientId: string, propertyId: string, total: number): FakeJob {
    const now = new Date().toISOString();
    const job: FakeJob = {
      id: gid("Job", this.seq++),
      title,
      clientId,
      propertyId,
      total,
      closed: false,
      createdAt: now,
      updatedAt: now,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private newVisit(
    jobId: string,
    title: string,
    start: string | undefined,
    end: string | undefined,
    userIds: string[],
  ): string {
    const id = gid("Visit", this.seq++);
    this.visits.set(id, {
      id,
      jobId,
      title,
      startAt: start,
      endAt: end,
      isComplete: false,
      assignedUserIds: [...userIds],
    });
    return id;
  }

  // ---- OAuth -----------------------------------------------------------------------

  private authorize(url: URL, res: ServerResponse): void {
    const q = Object.fromEntries(url.searchParams);
    if (q.client_id !== CLIENT_ID || q.response_type !== "code" || !q.redirect_uri)
      return sendJson(res, 400, { error: "invalid_request" });
    const code = randomBytes(16).toString("hex");
    this.codes.set(code, { redirectUri: q.redirect_uri });
    const target = new URL(q.redirect_uri);
    target.searchParams.set("code", code);
    if (q.state) target.searchParams.set("state", q.state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private token(form: URLSearchParams, res: ServerResponse): void {
    if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET)
      return sendJson(res, 401, { error: "invalid_client" });
    const grant = form.get("grant_type");
    if (grant === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      this.codes.delete(form.get("code") ?? "");
      if (!code)
        return sendJson(res, 400, { error: "invalid_grant", error_description: "The authorization code is invalid" });
      const redirectUri = form.get("redirect_uri");
      if (redirectUri && redirectUri !== code.redirectUri)
        return sendJson(res, 400, { error: "invalid_grant", error_description: "redirect_uri mismatch" });
      return sendJson(res, 200, this.issueTokens());
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      if (!this.refreshTokens.has(presented))
        return sendJson(res, 401, { error: "invalid_grant", error_description: "The refresh token is invalid" });
      // Rotation: the presented token stops working at once.
      this.refreshTokens.delete(presented);
      this.retired.push(presented);
      return sendJson(res, 200, this.issueTokens());
    }
    return sendJson(res, 400, { error: "unsupported_grant_type" });
  }

  /** Jobber's access token is a JWT whose exp says when it ends; the answer has no expires_in. */
  private issueTokens(): { access_token: string; refresh_token: string } {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const access = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: this.accountId, exp: Math.floor(Date.now() / 1000) + 3600, jti: randomBytes(8).toString("hex") })}.${randomBytes(16).toString("base64url")}`;
    const refresh = randomBytes(24).toString("hex");
    this.tokens.add(access);
    this.refreshTokens.set(refresh, this.accountId);
    return { access_token: access, refresh_token: refresh };
  }
}

type LocalDateTime = { date: string; time?: string; timezone: string };

function instant(local: LocalDateTime): string {
  const at = DateTime.fromISO(`${local.date}T${local.time ?? "00:00:00"}`, { zone: local.timezone });
  if (!at.isValid) throw new Error(`invalid local date-time ${JSON.stringify(local)}`);
  return at.toUTC().toISO({ suppressMilliseconds: true }) ?? "";
}

function within(iso: string, range: { after?: string; before?: string }): boolean {
  const at = Date.parse(iso);
  return (!range.after || at >= Date.parse(range.after)) && (!range.before || at <= Date.parse(range.before));
}

function gid(type: string, n: number): string {
  return Buffer.from(`gid://Jobber/${type}/${n}`).toString("base64");
}

function payload(
  field: string,
  body: Record<string, unknown>,
  userErrors: { message: string; path: string[] }[] = [],
): Answer {
  return { data: { [field]: { ...body, userErrors } } };
}

function notFound(what: string, id: unknown): Answer {
  return { data: { [what]: null }, errors: [{ message: `${what} ${String(id)} not found`, path: [what] }] };
}

/** A rough stand-in for Jobber's pricing: one point per field, connections multiply by `first`. */
function estimateCost(query: string): number {
  const firsts = [...query.matchAll(/first:\s*(\d+)/g)].map((m) => Number(m[1]));
  return Math.max(1, firsts.reduce((cost, first) => cost * Math.max(1, first), 1) + (query.match(/\w+/g)?.length ?? 0));
}

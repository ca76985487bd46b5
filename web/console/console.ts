// The browser console: the generated Connect clients over Connect JSON, same contract as every caller.
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  AppointmentService,
  AppointmentStatus,
  CancellationReason,
  type Appointment,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import {
  AvailabilityService,
  AvailabilityMode,
  BlockType,
  type Weekday,
  type Block,
  type SchedulingRules,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import {
  CalendarService,
  IntegrationStatus,
  type CalendarIntegration,
} from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider, type TimeSlot } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus } from "../../gen/universalcalendar/v1/sync_pb.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const SESSION = "universal-calendar-console";
const PENDING_OAUTH = "universal-calendar-console-oauth";

interface Session {
  jwt: string;
  serviceKey: string;
}

function clients(session: Session) {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${session.jwt}`);
    if (session.serviceKey) req.header.set("X-Service-Key", session.serviceKey);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [auth] });
  return {
    appointments: createClient(AppointmentService, transport),
    availability: createClient(AvailabilityService, transport),
    calendars: createClient(CalendarService, transport),
    sync: createClient(SyncService, transport),
  };
}
type Clients = ReturnType<typeof clients>;

/** The tenant a JWT names (its payload, unverified: the server verifies every call). */
function tenantOf(jwt: string): string {
  const payload = jwt.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const tenantId = (JSON.parse(json) as { tenantId?: unknown }).tenantId;
  if (typeof tenantId !== "string") throw new Error("the JWT has no tenantId claim");
  return tenantId;
}

/** Local wall-clock parts of an instant in a zone. */
function localParts(instant: Date, timeZone: string): { date: string; minute: number; weekday: number } {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short",
    hourCycle: "h23",
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(part("weekday")) + 1;
  return {
    date: `${part("year")}-${part("month")}-${part("day")}`,
    minute: Number(part("hour")) * 60 + Number(part("minute")),
    weekday,
  };
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const minuteOf = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
const dateOf = (ts: Timestamp | undefined) => (ts ? timestampDate(ts) : new Date(0));

interface Week {
  rules: SchedulingRules;
  days: string[];
  slots: Map<string, TimeSlot>;
  appointments: Appointment[];
  blocks: Block[];
  integrations: CalendarIntegration[];
  availabilityShown: boolean;
}

class ConsoleApp {
  private readonly api: Clients;
  private readonly tenantId: string;
  private weekStart: string | undefined;
  private week: Week | undefined;
  /** Set while the user picks a new time for this appointment. */
  private moving: Appointment | undefined;

  constructor(private readonly session: Session) {
    this.api = clients(session);
    this.tenantId = tenantOf(session.jwt);
  }

  async open(): Promise<void> {
    $("workspace").hidden = false;
    await this.completeOAuthRedirect();
    await this.load();
  }

  shiftWeek(weeks: number): void {
    if (!this.weekStart) return;
    this.weekStart = addDays(this.weekStart, weeks * 7);
    void this.load();
  }

  private duration(): number {
    return Number($<HTMLSelectElement>("duration").value);
  }

  async load(): Promise<void> {
    const tenantId = this.tenantId;
    const { rules } = await this.api.availability.getSchedulingRules({ tenantId });
    if (!rules) throw new Error("no scheduling rules");
    if (!this.weekStart) {
      const today = localParts(new Date(), rules.timeZone);
      this.weekStart = addDays(today.date, 1 - today.weekday);
    }
    const days = Array.from({ length: 7 }, (_, i) => addDays(this.weekStart!, i));
    const around = { start: new Date(`${days[0]}T00:00:00Z`), end: new Date(`${addDays(days[6]!, 1)}T23:59:59Z`) };
    around.start.setUTCDate(around.start.getUTCDate() - 1);
    const [appointments, blocks, status, availability] = await Promise.all([
      this.api.appointments.listAppointments({
        tenantId,
        startDate: days[0],
        endDate: days[6],
        statuses: [AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS],
        limit: 100,
      }),
      this.api.availability.listBlocks({
        tenantId,
        startTime: timestampFromDate(around.start),
        endTime: timestampFromDate(around.end),
        limit: 100,
      }),
      this.api.calendars.getCalendarStatus({ tenantId }),
      this.session.serviceKey
        ? this.api.availability.checkAvailability({
            tenantId,
            startDate: days[0],
            endDate: days[6],
            durationMinutes: this.duration(),
            timeZone: rules.timeZone,
            mode: AvailabilityMode.SLOTS,
          })
        : undefined,
    ]);
    const slots = new Map<string, TimeSlot>();
    for (const day of availability?.days ?? []) {
      for (const slot of day.slots) {
        const local = localParts(dateOf(slot.startTime), rules.timeZone);
        slots.set(`${local.date} ${local.minute}`, slot);
      }
    }
    this.week = {
      rules,
      days,
      slots,
      appointments: appointments.appointments,
      blocks: blocks.blocks,
      integrations: status.integrations,
      availabilityShown: availability !== undefined,
    };
    this.render();
    say(
      availability
        ? `${availability.totalSlots} free starts for a ${this.duration()}-minute job this week (${rules.timeZone})`
        : "Availability and booking need the service key (development); appointments, blocks and integrations are shown.",
    );
  }

  private render(): void {
    const week = this.week!;
    const { rules, days } = week;
    const step = Math.min(60, Math.max(15, rules.slotIntervalMinutes || 30));
    const open = rules.weeklyHours.flatMap((w) => w.ranges.map((r) => [minuteOf(r.start), minuteOf(r.end)] as const));
    const first = Math.floor(Math.min(8 * 60, ...open.map(([s]) => s)) / 60) * 60;
    const last = Math.ceil(Math.max(18 * 60, ...open.map(([, e]) => e)) / 60) * 60;
    $("week-title").textContent = `${days[0]} – ${days[6]} (${rules.timeZone})`;

    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    head.appendChild(document.createElement("th")).className = "time";
    for (const day of days) {
      const th = head.appendChild(document.createElement("th"));
      th.textContent = new Date(`${day}T12:00:00Z`).toLocaleDateString("en-US", {
        weekday: "short",
        month: "short",
        day: "numeric",
        timeZone: "UTC",
      });
    }
    const body = table.createTBody();
    for (let minute = first; minute < last; minute += step) {
      const row = body.insertRow();
      const th = row.appendChild(document.createElement("th"));
      th.className = "time";
      th.textContent = hhmm(minute);
      for (const day of days) this.renderCell(row.insertCell(), day, minute, step);
    }
    $("grid").replaceChildren(table);
    this.renderIntegrations();
  }

  private renderCell(cell: HTMLTableCellElement, day: string, minute: number, step: number): void {
    const week = this.week!;
    const tz = week.rules.timeZone;
    const covers = (start: Timestamp | undefined, end: Timestamp | undefined) => {
      const s = localParts(dateOf(start), tz);
      const e = localParts(new Date(dateOf(end).getTime() - 1), tz);
      const here = `${day} ${String(minute).padStart(4, "0")}`;
      const from = `${s.date} ${String(s.minute - (s.minute % step)).padStart(4, "0")}`;
      const to = `${e.date} ${String(e.minute).padStart(4, "0")}`;
      return here >= from && here <= to;
    };
    const appointment = week.appointments.find((a) => covers(a.startTime, a.endTime));
    if (appointment) {
      cell.className = "appointment";
      cell.dataset.appointmentId = appointment.id;
      cell.textContent = appointment.title;
      cell.title = `${appointment.title}: ${appointment.customerName}`;
      cell.onclick = () => this.showAppointment(appointment);
      return;
    }
    const block = week.blocks.find((b) => covers(b.startTime, b.endTime));
    if (block) {
      cell.className = "block";
      cell.textContent = `${block.title || "blocked"}${block.type === BlockType.SOFT ? " (soft)" : ""}`;
      return;
    }
    const slot = week.slots.get(`${day} ${minute}`);
    if (slot) {
      cell.className = "free";
      const button = cell.appendChild(document.createElement("button"));
      button.type = "button";
      button.dataset.slot = timestampDate(slot.startTime!).toISOString();
      button.textContent = hhmm(minute);
      button.onclick = () => (this.moving ? void this.moveTo(this.moving, slot) : this.showBooking(slot));
      return;
    }
    const weekday = localParts(new Date(`${day}T12:00:00Z`), "UTC").weekday as Weekday;
    const open = week.rules.weeklyHours
      .filter((w) => w.weekday === weekday)
      .some((w) => w.ranges.some((r) => minute >= minuteOf(r.start) && minute < minuteOf(r.end)));
    cell.className = !open ? "closed" : week.availabilityShown ? "busy" : "unknown";
  }

  private showBooking(slot: TimeSlot): void {
    const start = timestampDate(slot.startTime!);
    const end = timestampDate(slot.endTime!);
    const panel = $("panel");
    panel.innerHTML = `<h2>Book ${start.toLocaleString()}</h2>
      <form id="booking">
        <label>Title <input name="title" value="Service visit" required></label>
        <label>Customer name <input name="customerName" value="Sandbox Customer" required></label>
        <label>Customer phone (E.164) <input name="customerPhone" value="+15555550100" required></label>
        <button type="submit">Book</button>
      </form>`;
    const form = panel.querySelector("form")!;
    form.onsubmit = (event) => {
      event.preventDefault();
      const data = new FormData(form);
      void this.act(async () => {
        const res = await this.api.appointments.createAppointment({
          tenantId: this.tenantId,
          title: String(data.get("title")),
          customerName: String(data.get("customerName")),
          customerPhone: String(data.get("customerPhone")),
          startTime: timestampFromDate(start),
          endTime: timestampFromDate(end),
          idempotencyKey: crypto.randomUUID(),
        });
        panel.replaceChildren();
        return res.created ? "Booked." : `Not booked: ${res.conflicts.length} conflict(s).`;
      });
    };
  }

  private showAppointment(appointment: Appointment): void {
    const panel = $("panel");
    const start = dateOf(appointment.startTime);
    const end = dateOf(appointment.endTime);
    panel.innerHTML = `<h2></h2><p></p>
      <button id="move" type="button">Move…</button> <button id="cancel" type="button">Cancel appointment</button>`;
    panel.querySelector("h2")!.textContent = appointment.title;
    panel.querySelector("p")!.textContent =
      `${appointment.customerName}, ${start.toLocaleString()} – ${end.toLocaleTimeString()} (${AppointmentStatus[appointment.status].toLowerCase()})`;
    $("move").onclick = () => {
      this.moving = appointment;
      say("Pick a free cell to move the appointment there.");
    };
    $("cancel").onclick = () =>
      void this.act(async () => {
        await this.api.appointments.cancelAppointment({
          id: appointment.id,
          reason: CancellationReason.BUSINESS_REQUEST,
          notes: "cancelled from the console",
        });
        panel.replaceChildren();
        return "Cancelled.";
      });
  }

  private async moveTo(appointment: Appointment, slot: TimeSlot): Promise<void> {
    this.moving = undefined;
    const length = dateOf(appointment.endTime).getTime() - dateOf(appointment.startTime).getTime();
    const start = timestampDate(slot.startTime!);
    await this.act(async () => {
      const res = await this.api.appointments.updateAppointment({
        id: appointment.id,
        expectedVersion: appointment.version,
        startTime: timestampFromDate(start),
        endTime: timestampFromDate(new Date(start.getTime() + length)),
      });
      $("panel").replaceChildren();
      return res.updated ? "Moved." : `Not moved: ${res.conflicts.length} conflict(s).`;
    });
  }

  private renderIntegrations(): void {
    const list = $("integration-list");
    list.replaceChildren();
    if (this.week!.integrations.length === 0) list.textContent = "No calendar connected.";
    for (const integration of this.week!.integrations) {
      const item = list.appendChild(document.createElement("div"));
      item.className = "integration";
      const synced = integration.lastSyncedAt ? timestampDate(integration.lastSyncedAt).toLocaleString() : "never";
      item.textContent = `${Provider[integration.provider].toLowerCase()} · ${integration.accountEmail} · ${IntegrationStatus[
        integration.status
      ].toLowerCase()}${integration.statusReason ? ` (${integration.statusReason})` : ""} · last sync ${synced} · ${
        integration.calendars.length
      } calendar(s)`;
      if (this.session.serviceKey) {
        const button = item.appendChild(document.createElement("button"));
        button.type = "button";
        button.textContent = "Sync now";
        button.onclick = () => void this.syncNow(integration.provider);
      }
    }
  }

  private async syncNow(provider: Provider): Promise<void> {
    await this.act(async () => {
      const { syncId } = await this.api.sync.triggerSync({ tenantId: this.tenantId, provider });
      for (;;) {
        const { job } = await this.api.sync.getSyncStatus({ syncId });
        if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) {
          return `Sync ${SyncStatus[job.status].toLowerCase()}: ${job.counts?.processed ?? 0} event(s) read${
            job.errors.length ? `; ${job.errors.join("; ")}` : ""
          }.`;
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
  }

  async connect(provider: Provider): Promise<void> {
    await this.act(async () => {
      const res = await this.api.calendars.connectCalendar({ tenantId: this.tenantId, provider });
      sessionStorage.setItem(PENDING_OAUTH, String(provider));
      location.assign(res.authorizationUrl);
      return "Redirecting to the provider…";
    }, false);
  }

  /** Back from the provider's consent page (OAUTH_REDIRECT_URI points at /console): finish the connection. */
  private async completeOAuthRedirect(): Promise<void> {
    const params = new URLSearchParams(location.search);
    const code = params.get("code");
    const state = params.get("state");
    const provider = Number(sessionStorage.getItem(PENDING_OAUTH)) as Provider;
    if (!code || !state || !provider) return;
    sessionStorage.removeItem(PENDING_OAUTH);
    history.replaceState(null, "", location.pathname);
    const res = await this.api.calendars.completeOAuth({ tenantId: this.tenantId, provider, code, state });
    say(`Connected ${res.integration?.accountEmail ?? ""}; first sync ${res.syncId} started.`);
  }

  /** Runs a change, reports its outcome (or error) and reloads the week. */
  private async act(change: () => Promise<string>, reload = true): Promise<void> {
    try {
      const outcome = await change();
      if (reload) await this.load();
      say(outcome);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
    }
  }
}

function say(text: string): void {
  $("status").textContent = text;
}

function start(): void {
  let app: ConsoleApp | undefined;
  const saved = sessionStorage.getItem(SESSION);
  const openWith = (session: Session) => {
    // Kept for this tab only, so the OAuth round trip comes back signed in.
    sessionStorage.setItem(SESSION, JSON.stringify(session));
    app = new ConsoleApp(session);
    app.open().catch((error: unknown) => say(error instanceof Error ? error.message : String(error)));
  };
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("jwt")) {
    $<HTMLInputElement>("jwt").value = hash.get("jwt") ?? "";
    $<HTMLInputElement>("service-key").value = hash.get("key") ?? "";
    history.replaceState(null, "", location.pathname + location.search);
  } else if (saved) {
    const session = JSON.parse(saved) as Session;
    $<HTMLInputElement>("jwt").value = session.jwt;
    $<HTMLInputElement>("service-key").value = session.serviceKey;
  }
  $<HTMLFormElement>("credentials").onsubmit = (event) => {
    event.preventDefault();
    openWith({
      jwt: $<HTMLInputElement>("jwt").value.trim(),
      serviceKey: $<HTMLInputElement>("service-key").value.trim(),
    });
  };
  $("previous-week").onclick = () => app?.shiftWeek(-1);
  $("next-week").onclick = () => app?.shiftWeek(1);
  $("duration").onchange = () => void app?.load();
  $("connect-google").onclick = () => void app?.connect(Provider.GOOGLE);
  $("connect-microsoft").onclick = () => void app?.connect(Provider.MICROSOFT);
  if ($<HTMLInputElement>("jwt").value) $<HTMLFormElement>("credentials").requestSubmit();
}

start();

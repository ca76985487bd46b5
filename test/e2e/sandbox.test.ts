import { spawn, type ChildProcess } from "node:child_process";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus } from "../../gen/universalcalendar/v1/sync_pb.js";
import { authorizeAt } from "../fakes/google/google-oauth-flow.js";
import { client, connectTransport } from "../support/clients.js";
import { freePort } from "../support/free-port.js";

let sandbox: ChildProcess;
let output = "";
let port: number;

/** What the sandbox printed after `label:`. */
const printed = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(output)?.[1] ?? "";

beforeAll(async () => {
  port = await freePort();
  // Its own process group, so that the test can stop npm, tsx and the service together.
  sandbox = spawn("npm", ["run", "-s", "sandbox"], {
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: inject("databaseUrl"),
      SANDBOX_TENANT_ID: `sandbox-test-${port}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  sandbox.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  sandbox.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes("Ctrl-C stops everything")) {
    if (sandbox.exitCode !== null || Date.now() > deadline) throw new Error(`sandbox did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 120_000);

afterAll(async () => {
  if (sandbox?.pid && sandbox.exitCode === null) {
    const exited = new Promise((resolve) => sandbox.once("exit", resolve));
    process.kill(-sandbox.pid, "SIGTERM");
    await exited;
  }
});

/** Next Wednesday 16:00 UTC: inside the default business hours (America/Chicago, 08:00-17:00 weekdays). */
function nextWednesdayAt16Utc(): Date {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + ((3 - d.getUTCDay() + 7) % 7 || 7));
  d.setUTCHours(16, 0, 0, 0);
  return d;
}

describe("npm run sandbox", () => {
  it("starts with fake providers and answers: console, health, and the connect → busy → slot gone story", async () => {
    const base = `http://localhost:${port}`;
    expect(await fetch(`${base}/readyz`).then((r) => r.json())).toEqual({ status: "SERVING" });
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("universal-calendar console");
    expect(printed("console")).toContain(`${base}/console#jwt=`);

    const jwt = printed("tenant JWT");
    const key = printed("service key");
    const tenantId = printed("tenant");
    const calendars = client(CalendarService, connectTransport(base, { jwt }));
    const started = await calendars.connectCalendar({ tenantId, provider: Provider.GOOGLE });
    const { code, state } = await authorizeAt(started.authorizationUrl);
    const connected = await calendars.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state });
    expect(connected.integration?.accountEmail).toBe("owner@sandbox.example");

    const asService = { jwt, serviceKey: key };
    const sync = client(SyncService, connectTransport(base, asService));
    const waitFor = async (syncId: string) => {
      for (;;) {
        const { job } = await sync.getSyncStatus({ syncId });
        if (job?.status === SyncStatus.SUCCEEDED) return;
        if (job?.status === SyncStatus.FAILED) throw new Error(job.errors.join("; "));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(connected.syncId);

    const busyStart = nextWednesdayAt16Utc();
    const availability = client(AvailabilityService, connectTransport(base, asService));
    const date = busyStart.toISOString().slice(0, 10);
    const freeStarts = async () =>
      (
        await availability.checkAvailability({ tenantId, startDate: date, endDate: date, durationMinutes: 60 })
      ).days.flatMap((day) => day.slots.map((slot) => timestampDate(slot.startTime!).toISOString()));
    expect(await freeStarts()).toContain(busyStart.toISOString());

    const control = /curl -X POST '([^']+)\/google\/busy/.exec(output)?.[1];
    const added = await fetch(`${control}/google/busy?start=${busyStart.toISOString()}&minutes=120`, {
      method: "POST",
    });
    expect(added.status).toBe(201);
    await waitFor((await sync.triggerSync({ tenantId, provider: Provider.GOOGLE })).syncId);
    expect(await freeStarts()).not.toContain(busyStart.toISOString());
  });
});

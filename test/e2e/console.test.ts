import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService, AppointmentStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { buildConsole } from "../../scripts/build-console.mjs";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { launchChromium } from "../support/browser.js";
import { client, connectTransport, serviceKey } from "../support/clients.js";
import { freePort } from "../support/free-port.js";
import { mintJwt, newTenantId, startTestServer, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";

// UPDATE_CONSOLE_SCREENSHOT=1 writes the README's docs/console.png; otherwise the screenshot goes to a temp dir.
const SCREENSHOT = process.env.UPDATE_CONSOLE_SCREENSHOT
  ? path.resolve("docs", "console.png")
  : path.join(mkdtempSync(path.join(tmpdir(), "console-shot-")), "console.png");

let browser: Browser;
let fake: GoogleCalendarFake;
let server: TestServer;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  const consoleDir = mkdtempSync(path.join(tmpdir(), "console-"));
  await buildConsole(consoleDir);
  fake = await GoogleCalendarFake.start();
  const port = await freePort();
  server = await startTestServer({
    consoleDir,
    env: { ...fake.env(), PORT: String(port), OAUTH_REDIRECT_URI: `http://127.0.0.1:${port}/console` },
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

/** Monday of next week at a local hour in the tenant's zone (America/Chicago rules are set below). */
function nextWeek(weekday: number, hour: number): Date {
  const now = new Date();
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) + 7 + weekday);
  // Chicago is UTC-6 in winter and UTC-5 in summer; the test only needs a time inside business hours.
  monday.setUTCHours(hour + 6);
  return monday;
}

describe("browser console at /console", () => {
  it("connects Google through the OAuth redirect, shows busy time, books a slot in the grid, moves and cancels it", async () => {
    const tenantId = newTenantId();
    const email = `console-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const busyStart = nextWeek(1, 10);
    fake.insertEvent(email, email, {
      summary: "Dentist",
      start: { dateTime: busyStart.toISOString() },
      end: { dateTime: new Date(busyStart.getTime() + 2 * 3_600_000).toISOString() },
    });
    const jwt = await mintJwt(tenantId);

    await page.goto(`${server.baseUrl}/console#jwt=${jwt}&key=${TEST_SERVICE_KEY}`);
    await page.locator("#status").filter({ hasText: "free starts" }).waitFor();
    expect(page.url()).not.toContain(jwt); // the credentials leave the address bar

    await page.click("#connect-google");
    // The integration list is what lasts ("Connected" in the status line is soon replaced by the reload).
    await page.locator(".integration", { hasText: email }).waitFor({ timeout: 60_000 });
    await page.click("#next-week");
    // Reload the same week until the sync has mirrored the event (a changed duration reloads the grid).
    await expect
      .poll(
        async () => {
          await page.evaluate(() => void (document.getElementById("status")!.textContent = ""));
          await page.dispatchEvent("#duration", "change");
          await page.locator("#status").filter({ hasText: "free starts" }).waitFor();
          return page.locator(`td.free button[data-slot="${busyStart.toISOString()}"]`).count();
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(0);
    expect(await page.locator("td.busy").count()).toBeGreaterThan(0);

    const firstFree = page.locator("td.free button").first();
    const slot = await firstFree.getAttribute("data-slot");
    await firstFree.click();
    await page.fill('#booking input[name="title"]', "Water heater");
    await page.click('#booking button[type="submit"]');
    await page.locator("td.appointment", { hasText: "Water heater" }).first().waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const appointments = client(AppointmentService, connectTransport(server.baseUrl, serviceKey));
    const listed = await appointments.listAppointments({ tenantId });
    expect(listed.appointments).toHaveLength(1);
    expect(
      listed.appointments[0]?.startTime &&
        new Date(Number(listed.appointments[0].startTime.seconds) * 1000).toISOString(),
    ).toBe(slot);

    await page.locator("td.appointment").first().click();
    await page.click("#move");
    const target = page.locator("td.free button").nth(5);
    const movedTo = await target.getAttribute("data-slot");
    await target.click();
    await page.locator("#status").filter({ hasText: "Moved." }).waitFor();
    const moved = (await appointments.listAppointments({ tenantId })).appointments[0];
    expect(new Date(Number(moved?.startTime?.seconds) * 1000).toISOString()).toBe(movedTo);

    await page.locator("td.appointment").first().click();
    await page.click("#cancel");
    await page.locator("#status").filter({ hasText: "Cancelled." }).waitFor();
    expect(await page.locator("td.appointment").count()).toBe(0);
    const cancelled = (await appointments.listAppointments({ tenantId })).appointments[0];
    expect(cancelled?.status).toBe(AppointmentStatus.CANCELLED);
    // A browser on two shared cores: the whole story takes seconds alone and far longer under load.
  }, 120_000);

  it("with a JWT alone shows the week without availability, and says what is missing", async () => {
    const tenantId = newTenantId();
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/console#jwt=${await mintJwt(tenantId)}`);
    await page.locator("#status").filter({ hasText: "need the service key" }).waitFor();
    expect(await page.locator("td.free").count()).toBe(0);
    expect(await page.locator("td.unknown").count()).toBeGreaterThan(0);
  });
});

import { type Code, ConnectError } from "@connectrpc/connect";
import { CalendarService, type CalendarIntegration } from "../../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, type SyncJob } from "../../../gen/universalcalendar/v1/sync_pb.js";
import { client, grpcTransport, serviceKey } from "../../support/clients.js";
import { mintJwt, type TestServer } from "../../support/test-server.js";

/** What a browser does: follow the authorization URL; the fake logs the user in and redirects with code and state. */
export async function authorizeAt(authorizationUrl: string): Promise<{ code: string; state: string }> {
  const res = await fetch(authorizationUrl, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`authorization endpoint answered ${res.status}: ${await res.text()}`);
  const back = new URL(res.headers.get("location") ?? "");
  return { code: back.searchParams.get("code") ?? "", state: back.searchParams.get("state") ?? "" };
}

/** ConnectCalendar → authorization URL → fake issues a code → CompleteOAuth, as the tenant's user. */
export async function connectGoogle(
  server: TestServer,
  tenantId: string,
): Promise<{ integration: CalendarIntegration; syncId: string }> {
  const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const started = await calendars.connectCalendar({ tenantId, provider: Provider.GOOGLE });
  const { code, state } = await authorizeAt(started.authorizationUrl);
  const done = await calendars.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state });
  if (!done.integration) throw new Error("CompleteOAuth returned no integration");
  return { integration: done.integration, syncId: done.syncId };
}

/** Polls GetSyncStatus until the job has finished. */
export async function waitForSync(server: TestServer, syncId: string, timeoutMs = 20_000): Promise<SyncJob> {
  const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await sync.getSyncStatus({ syncId });
    if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) return job;
    if (Date.now() > deadline) throw new Error(`sync ${syncId} still ${job?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

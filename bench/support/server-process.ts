import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.js";

export const BENCH_SERVICE_KEY = "bench-service-key-0123456789";
export const BENCH_JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789";

export interface BenchServer {
  baseUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * The real service (`tsx src/main.ts`) in its own process on a fresh
 * database, so the load generator does not share its event loop.
 */
export async function startBenchServer(extraEnv: Record<string, string> = {}): Promise<BenchServer> {
  const database: TestDatabase = await createTestDatabase();
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      INTERNAL_SERVICE_KEY: BENCH_SERVICE_KEY,
      JWT_SECRET: BENCH_JWT_SECRET,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
      // Counted (their cost is part of every figure) but never reached: benches measure throughput.
      RATE_LIMIT_MAX_REQUESTS: "1000000",
      RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS: "10000000",
      ...extraEnv,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("bench server did not become ready in 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    databaseUrl: database.url,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await database.drop();
    },
  };
}

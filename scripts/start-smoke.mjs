#!/usr/bin/env node
// CI: the compiled service, run with the node arguments of npm start (package.json), starts on an
// embedded PostgreSQL with no DATABASE_URL, answers /readyz SERVING, and exits 0 on SIGTERM.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startArguments } from "./start-arguments.mjs";

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const dataDir = mkdtempSync(path.join(tmpdir(), "uc-start-smoke-"));
chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user
let output = "";
const child = spawn(process.execPath, startArguments(), {
  env: {
    ...process.env,
    DATABASE_URL: "",
    PORT: String(port),
    HOST: "127.0.0.1",
    EMBEDDED_PG_DIR: path.join(dataDir, "postgres"),
  },
  stdio: ["ignore", "pipe", "pipe"],
});
child.stdout.on("data", (chunk) => (output += chunk));
child.stderr.on("data", (chunk) => (output += chunk));
const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));

function fail(message) {
  process.stderr.write(`${message}\n${output}`);
  child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

const deadline = Date.now() + 60_000;
let body;
while (!body) {
  if (child.exitCode !== null) fail(`dist/src/main.js exited with ${child.exitCode} before it was ready`);
  if (Date.now() > deadline) fail("dist/src/main.js was not ready within 60 s");
  const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
  if (res?.ok) body = await res.json();
  else await new Promise((r) => setTimeout(r, 250));
}
if (body.status !== "SERVING") fail(`/readyz answered ${JSON.stringify(body)}`);
child.kill("SIGTERM");
const code = await exited;
rmSync(dataDir, { recursive: true, force: true });
if (code !== 0) fail(`dist/src/main.js exited with ${code} on SIGTERM`);
process.stdout.write(`compiled service on ${process.version}: /readyz SERVING, clean exit on SIGTERM\n`);

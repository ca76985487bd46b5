import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    testTlsDir: string;
  }
}

/**
 * A throw-away CA and a server certificate for localhost/127.0.0.1, made once
 * per run. The Graph client sends the bearer token only over https, so the
 * Graph fake serves TLS. Node reads NODE_EXTRA_CA_CERTS only when a process
 * starts: setting it here, before vitest forks its workers, makes every worker
 * (and the service running inside it) trust the fake the way it trusts Graph.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "uc-test-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=universal-calendar test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  process.env.NODE_EXTRA_CA_CERTS = join(dir, "ca.pem");
  project.provide("testTlsDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

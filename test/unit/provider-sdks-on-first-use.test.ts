import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ALL_SDKS = ["googleapis", "google-auth-library", "@microsoft/microsoft-graph-client", "tsdav", "graphql-request"];

// Idle memory: a tenant that never connects Google, Microsoft, Apple or Jobber must not pay for their SDKs.
it("loads the provider SDKs on a provider's first call, not when the providers are created", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    "test/support/provider-sdk-loads.ts",
  ]);
  const report = JSON.parse(stdout) as { afterCreate: string[]; afterFirstCalls: string[]; failures: string[] };
  expect(report.afterCreate).toEqual([]);
  expect(report.afterFirstCalls).toEqual(ALL_SDKS);
  expect(report.failures).toEqual(["unavailable", "unavailable", "unavailable", "unavailable"]);
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts", "test/fakes/microsoft-graph/test-certificates.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend for the same CPU and database.
    maxWorkers: 2,
    // The health test makes a database refuse every connection (datallowconn = false) to see NOT_SERVING;
    // a background connection attempt (pg-boss's, as far as we could see) then rejects outside any call of ours. Only that refusal
    // (SQLSTATE 55000 from CheckMyDatabase) is let pass; every other unhandled error still fails the run.
    onUnhandledError(error) {
      const refused = error as { code?: unknown; routine?: unknown };
      return !(refused.code === "55000" && refused.routine === "CheckMyDatabase");
    },
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts", "test/fakes/microsoft-graph/test-certificates.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend for the same CPU and database.
    maxWorkers: 2,
  },
});

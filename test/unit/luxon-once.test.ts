import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

// Idle memory: luxon's ES build beside the CommonJS one pg-boss's cron-parser requires held the same classes twice.
it("loads one build of luxon, the one pg-boss uses, however our modules use it", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "test/support/luxon-loads.ts"]);
  expect(JSON.parse(stdout)).toEqual({ esModules: [], commonJs: ["build/node/luxon.js"] });
});

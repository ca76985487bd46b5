import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { IdleReleasePolicy } from "../../src/native/idle-memory-release.js";

describe("IdleReleasePolicy", () => {
  it("releases once per idle spell after work, startup counting as work", () => {
    const policy = new IdleReleasePolicy();
    const decisions = [0.001, 0.03, 0.4, 0.9, 0.01, 0.0, 0.0, 0.05, 0.049].map((u) => policy.afterWindow(u));
    expect(decisions).toEqual([true, false, false, false, true, false, false, false, true]);
  });

  it("never releases while the process is busy", () => {
    const policy = new IdleReleasePolicy();
    expect([0.05, 0.5, 1, 0.3].map((u) => policy.afterWindow(u))).toEqual([false, false, false, false]);
  });
});

// Memory freed inside a malloc arena stays resident until the addon hands it back: a process that
// frees three quarters of 160 MB of 16 KiB buffers, interleaved with the ones it keeps, gives most
// of it back to the system only through releaseFreeMemory.
it("returns the C heap's free pages to the system", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    "--expose-gc",
    "--import",
    "tsx",
    "test/support/native-memory-release.ts",
  ]);
  const { freedMb, rssDropWithoutReleaseMb, rssDropOnReleaseMb, released } = JSON.parse(stdout) as Record<
    string,
    number | boolean
  >;
  expect(freedMb).toBe(120);
  expect(rssDropWithoutReleaseMb).toBeLessThan(20);
  expect(released).toBe(true);
  expect(rssDropOnReleaseMb).toBeGreaterThan(80);
});

import { describe, expect, it } from "vitest";
import type { Measured } from "../../bench/support/rpc-bench.js";
import { targetLines } from "../../bench/support/rpc-targets.js";

function measured(perSecond: number, p99Ms: number): Measured {
  return {
    label: "run",
    load: { perSecond, p50Ms: 1, p99Ms } as Measured["load"],
    serverCpuMs: 0.5,
    postgresCpuMs: 0.3,
    rssBeforeMb: 130,
    rssPeakMb: 180,
  };
}

/** The bench names, per run, which of issue 12's targets the service and the bare baseline met. */
describe("bench: issue 12's targets", () => {
  const rows = [measured(900, 40), measured(1000, 35), measured(450, 9.5), measured(450, 12)];

  it("judges the share of the bare baseline and each target's open-loop p99", () => {
    expect(targetLines(rows, { minShare: 0.7, openLoopP99Ms: 10 })).toEqual([
      "target closed loop >= 0.7x bare baseline: 0.90 (met)",
      "target open-loop p99 < 10 ms: service 9.5 (met), bare baseline 12.0 (missed)",
    ]);
  });

  it("judges both targets' share of another reference (pgbench)", () => {
    const reference = { name: "pgbench", perSecond: 1600 };
    expect(targetLines(rows, { minShare: 0.6, openLoopP99Ms: 25, reference })[0]).toBe(
      "target closed loop >= 0.6x pgbench: service 0.56 (missed), bare baseline 0.63 (met)",
    );
  });
});

import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { describeGc, gcActivityOf } from "../../bench/support/service-gc.js";

/** The bench reads the service's GC histogram as prom-client exposes it; a format it cannot parse would read as zero GCs. */
describe("bench: the service's garbage collections", () => {
  async function exposition(observations: [kind: string, seconds: number][]): Promise<string> {
    const registry = new Registry();
    const histogram = new Histogram({
      name: "nodejs_gc_duration_seconds",
      help: "GC",
      labelNames: ["kind"],
      buckets: [0.001, 0.01, 0.1],
      registers: [registry],
    });
    for (const [kind, seconds] of observations) histogram.observe({ kind }, seconds);
    return registry.metrics();
  }

  it("counts and times each kind between two readings", async () => {
    const before = gcActivityOf(await exposition([["minor", 0.002]]));
    const after = gcActivityOf(
      await exposition([
        ["minor", 0.002],
        ["minor", 0.003],
        ["minor", 0.004],
        ["major", 0.025],
      ]),
    );
    expect(after.major).toEqual({ count: 1, seconds: 0.025 });
    expect(describeGc(before, after)).toBe("1 major (25 ms), 2 minor (7 ms), 0 incremental (0 ms)");
  });
});

import { describe, expect, it } from "vitest";
import { isMarkedJob, jobMarkerOf, markedJobDescription } from "../../src/domain/outbox/job-marker.js";

const id = "7d1f2c64-3a7e-4b8a-9f0e-2f4b6c1d9a10";

describe("job marker", () => {
  it("keeps the appointment's text and adds the marker on its own line", () => {
    expect(markedJobDescription(id, "  Bring the ladder ")).toBe(`Bring the ladder\n\n${jobMarkerOf(id)}`);
    expect(markedJobDescription(id, null)).toBe(jobMarkerOf(id));
  });

  it("recognises only the job of this appointment", () => {
    expect(isMarkedJob(markedJobDescription(id, "x"), id)).toBe(true);
    expect(isMarkedJob(markedJobDescription(id, "x"), "00000000-0000-4000-8000-000000000000")).toBe(false);
    expect(isMarkedJob(undefined, id)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { crewAfter } from "../../src/providers/field-service/crew-change.js";

describe("crewAfter", () => {
  it("adds a missing technician after whoever is on the crew", () => {
    expect(crewAfter(["dan"], { technicianId: "tess" })).toEqual(["dan", "tess"]);
  });

  it("changes nothing when the technician is already on it", () => {
    expect(crewAfter(["dan", "tess"], { technicianId: "tess" })).toBeUndefined();
  });

  it("swaps the released technician for the new one, keeping the business's own pick", () => {
    expect(crewAfter(["tess", "dan"], { technicianId: "theo", releasedTechnicianId: "tess" })).toEqual(["dan", "theo"]);
  });

  it("takes the released technician off when nobody replaces them", () => {
    expect(crewAfter(["tess", "dan"], { releasedTechnicianId: "tess" })).toEqual(["dan"]);
    expect(crewAfter(["tess"], { releasedTechnicianId: "tess" })).toEqual([]);
  });

  it("changes nothing when the released technician is gone already and the new one is there", () => {
    expect(crewAfter(["dan", "theo"], { technicianId: "theo", releasedTechnicianId: "tess" })).toBeUndefined();
  });

  it("never releases the technician it is asked to keep", () => {
    expect(crewAfter(["tess"], { technicianId: "tess", releasedTechnicianId: "tess" })).toBeUndefined();
  });
});

import type { Clock } from "../../src/domain/clock.js";

/** Real time shifted by an offset the test moves forward. */
export class MutableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

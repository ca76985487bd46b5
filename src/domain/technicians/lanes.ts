import type { BusyPeriod } from "../availability/busy-period.js";
import type { Technician } from "./technician.js";

/**
 * Whose busy time a period is. Appointments and holds: their technician (none:
 * business-wide). Blocks: business-wide. Calendar events: the technician whose
 * calendar it is; else field-service work assigned to crew ids our
 * technicians are linked to (Jobber user / HouseCall Pro employee) is theirs;
 * anything else (a business calendar, unassigned work, work of crew no
 * technician is linked to) is business-wide and blocks everyone: when in
 * doubt, never double-book. A tenant without technicians has only
 * business-wide periods, so it is one schedule, as before technicians.
 */
export class Lanes {
  private readonly byCalendar = new Map<string, string>();
  private readonly byCrew = new Map<string, string[]>();

  constructor(technicians: readonly Technician[]) {
    for (const t of technicians) {
      if (t.calendarId) this.byCalendar.set(t.calendarId, t.id);
      if (t.jobberUserId) this.addCrew(`jobber:${t.jobberUserId}`, t.id);
      if (t.housecallProEmployeeId) this.addCrew(`housecall_pro:${t.housecallProEmployeeId}`, t.id);
    }
  }

  private addCrew(key: string, technicianId: string): void {
    const ids = this.byCrew.get(key) ?? [];
    ids.push(technicianId);
    this.byCrew.set(key, ids);
  }

  /** The technicians the period makes busy, or null when it makes everyone busy. */
  lanesOf(period: BusyPeriod): readonly string[] | null {
    switch (period.kind) {
      case "appointment":
      case "hold":
        return period.technicianId ? [period.technicianId] : null;
      case "block":
      case "soft_block":
        return null;
      case "calendar_event": {
        const owner = period.calendarRowId ? this.byCalendar.get(period.calendarRowId) : undefined;
        if (owner) return [owner];
        const crew = (period.crewIds ?? []).flatMap((id) => this.techniciansOfCrew(period.provider ?? "", id));
        return crew.length > 0 ? crew : null;
      }
    }
  }

  /** The technicians linked to a field-service crew member (provider "jobber" or "housecall_pro"). */
  techniciansOfCrew(provider: string, crewId: string): readonly string[] {
    return this.byCrew.get(`${provider}:${crewId}`) ?? [];
  }

  /** The periods that make technicianId busy (theirs and business-wide ones). */
  periodsOf(periods: readonly BusyPeriod[], technicianId: string): BusyPeriod[] {
    return periods.filter((period) => {
      const lanes = this.lanesOf(period);
      return lanes === null || lanes.includes(technicianId);
    });
  }
}

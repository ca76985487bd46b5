import type { AppContext, ScheduleName } from "../context.js";

/**
 * Claims this firing of a schedule: true for the first firing in half its
 * interval, across every instance (one row per schedule, updated only when
 * the last start is old enough), false for a second firing pg-boss or
 * another instance produced.
 */
export async function claimScheduleRun(ctx: AppContext, name: ScheduleName): Promise<boolean> {
  const now = ctx.clock.now();
  const earliest = new Date(now.getTime() - ctx.settings.scheduleIntervalsMs[name] / 2);
  const rows = await ctx.orm.em.fork().execute<{ name: string }[]>(
    `insert into schedule_runs (name, started_at) values (?, ?)
     on conflict (name) do update set started_at = excluded.started_at
       where schedule_runs.started_at <= ?
     returning name`,
    [name, now, earliest],
    "all",
  );
  return rows.length > 0;
}

import type { AppContext } from "../context.js";
import type { SyncType } from "./sync-job-view.js";

export interface SyncEstimate {
  /** The oldest last successful sync of the integrations covered; undefined when one never synced. */
  lastSyncAt?: Date;
  /** Mean duration of the last five succeeded syncs of the same scope and type; 0 without history. */
  estimatedDurationSeconds: number;
}

const RECENT_SYNCS = 5;

/** What TriggerSync tells the caller to expect, from the integrations' own history. */
export async function syncEstimate(
  ctx: AppContext,
  input: { tenantId: string; providers: string[]; type: SyncType },
): Promise<SyncEstimate> {
  const em = ctx.orm.em.fork();
  const [last] = await em.execute<{ never: boolean; oldest: Date | null }[]>(
    `select bool_or(last_synced_at is null) as never, min(last_synced_at) as oldest
       from calendar_integrations where tenant_id = ? and provider in (select jsonb_array_elements_text(?::jsonb))`,
    [input.tenantId, JSON.stringify(input.providers)],
  );
  const [recent] = await em.execute<{ seconds: number | null }[]>(
    `select avg(extract(epoch from finished_at - started_at))::float8 as seconds from (
       select finished_at, started_at from sync_jobs
        where tenant_id = ? and type = ? and status = 'succeeded' and started_at is not null
          and coalesce(provider, '') in (select jsonb_array_elements_text(?::jsonb)) 
        order by finished_at desc limit ${RECENT_SYNCS}) recent`,
    [input.tenantId, input.type, JSON.stringify([...input.providers, ""])],
  );
  return {
    ...(last && !last.never && last.oldest ? { lastSyncAt: new Date(last.oldest) } : {}),
    estimatedDurationSeconds: Math.ceil(recent?.seconds ?? 0),
  };
}

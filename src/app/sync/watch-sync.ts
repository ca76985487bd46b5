import { setTimeout as sleep } from "node:timers/promises";
import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { getSyncStatus } from "./get-sync-status.js";
import { isFinished, type SyncJobView } from "./sync-job-view.js";

/** How often WatchSync looks at the job row. */
const WATCH_INTERVAL_MS = 200;

/** The job now and after every change, until it has finished or the caller goes away. */
export async function* watchSync(
  ctx: AppContext,
  caller: Caller,
  input: { syncId: string; signal: AbortSignal },
): AsyncGenerator<SyncJobView> {
  let last = "";
  while (!input.signal.aborted) {
    const view = await getSyncStatus(ctx, caller, input);
    const fingerprint = JSON.stringify(view);
    if (fingerprint !== last) {
      last = fingerprint;
      yield view;
    }
    if (isFinished(view.status)) return;
    await sleep(WATCH_INTERVAL_MS, undefined, { signal: input.signal }).catch(() => undefined);
  }
}

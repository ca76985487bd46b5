import type { AppContext } from "../context.js";

/** Asks for the integration's push channels to be opened or brought in line, off the caller's path. */
export async function requestChannels(ctx: AppContext, integrationId: string): Promise<void> {
  await ctx.jobs.send("push-channel", { action: "open", integrationId }, { coalesceKey: `open:${integrationId}` });
}

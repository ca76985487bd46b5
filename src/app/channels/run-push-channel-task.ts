import type { Caller } from "../../domain/caller.js";
import type { AppContext, PushChannelTask } from "../context.js";
import { maintainChannels, renewChannelNow, replaceChannel } from "./maintain-channels.js";
import { stopOrphanChannel } from "./stop-orphan-channel.js";

/** The push-channel queue's worker: one task on channels, off the webhook's path. */
export async function runPushChannelTask(ctx: AppContext, _caller: Caller, task: PushChannelTask): Promise<void> {
  switch (task.action) {
    case "open":
      return maintainChannels(ctx, task.integrationId);
    case "renew":
      return renewChannelNow(ctx, task.channelRowId);
    case "replace":
      return replaceChannel(ctx, task.channelRowId);
    case "stop_orphan":
      return stopOrphanChannel(ctx, task);
  }
}

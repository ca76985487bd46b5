import { randomBytes } from "node:crypto";

const INTEGRATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * Our id for a new push channel: the integration id and 16 random hex digits
 * (53 characters; Google allows 64 of [A-Za-z0-9-_+/=]). A verified push for a
 * channel we no longer track still says whose credentials can stop it.
 */
export function newChannelId(integrationId: string): string {
  return `${integrationId}-${randomBytes(8).toString("hex")}`;
}

export function integrationOfChannel(channelId: string): string | undefined {
  return INTEGRATION_ID.exec(channelId)?.[0];
}

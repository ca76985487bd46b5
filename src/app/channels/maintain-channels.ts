import type { CalendarIntegration } from "../../entities/calendar-integration.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import { WebhookChannelSchema, type WebhookChannel } from "../../entities/webhook-channel.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AppContext } from "../context.js";
import { newChannelId } from "./channel-ids.js";
import { callPushChannels, webhookAddress } from "./push-channel-call.js";

/** After this many renewals fail in a row the channel shows as failed (the backstop sync still covers it). */
const FAILED_AFTER = 3;

/**
 * Brings an integration's push channels in line with its calendars, under a
 * lock per integration across instances: every conflict-checked calendar
 * gets a channel, channels expiring within channelRenewBeforeMs are renewed
 * (extended where the provider can, else replaced), and channels of
 * calendars no longer checked are stopped. Failures are recorded on the
 * channel, never thrown: the next run tries again.
 */
export async function maintainChannels(ctx: AppContext, integrationId: string): Promise<void> {
  await ctx.jobs.exclusive(`push-channels:${integrationId}`, async () => {
    const em = ctx.orm.em.fork();
    const integration = await em.findOne(CalendarIntegrationSchema, { id: integrationId });
    if (!integration || integration.status !== "active") return;
    if (!ctx.providers.find(integration.provider)?.capabilities.pushChannels) return;
    const calendars = await em.find(IntegrationCalendarSchema, { integrationId, checkConflicts: true });
    const channels = await em.find(WebhookChannelSchema, { integrationId }, { orderBy: { createdAt: "asc" } });
    const due = ctx.clock.now().getTime() + ctx.settings.channelRenewBeforeMs;

    for (const channel of channels) {
      if (!calendars.some((c) => c.id === channel.calendarId)) await closeChannel(ctx, channel);
    }
    for (const calendar of calendars) {
      const current = channels.filter((c) => c.calendarId === calendar.id);
      const [newest, ...older] = current.reverse();
      // A renewal that opened a new channel but failed to stop the old one: stop it now.
      for (const stale of older) await closeChannel(ctx, stale);
      if (!newest) {
        await openChannel(ctx, integration, calendar.id, calendar.providerCalendarId);
      } else if ((newest.expiresAt?.getTime() ?? 0) <= due) {
        await renewChannel(ctx, integration, newest);
      }
    }
  });
}

/** Renews one channel now (Graph reauthorizationRequired), under the integration's lock. */
export async function renewChannelNow(ctx: AppContext, channelRowId: string): Promise<void> {
  const channel = await ctx.orm.em.fork().findOne(WebhookChannelSchema, { id: channelRowId });
  if (!channel) return;
  await ctx.jobs.exclusive(`push-channels:${channel.integrationId}`, async () => {
    const em = ctx.orm.em.fork();
    const integration = await em.findOne(CalendarIntegrationSchema, { id: channel.integrationId });
    const current = await em.findOne(WebhookChannelSchema, { id: channelRowId });
    if (integration?.status === "active" && current) await renewChannel(ctx, integration, current);
  });
}

/** The provider dropped the channel (Graph subscriptionRemoved): forget it and open a new one. */
export async function replaceChannel(ctx: AppContext, channelRowId: string): Promise<void> {
  const channel = await ctx.orm.em.fork().findOne(WebhookChannelSchema, { id: channelRowId });
  if (!channel) return;
  await ctx.orm.em.fork().nativeDelete(WebhookChannelSchema, { id: channelRowId });
  await maintainChannels(ctx, channel.integrationId);
}

async function openChannel(
  ctx: AppContext,
  integration: CalendarIntegration,
  calendarId: string,
  providerCalendarId: string,
): Promise<WebhookChannel | undefined> {
  const channelId = newChannelId(integration.id);
  const now = ctx.clock.now();
  try {
    const opened = await callPushChannels(ctx, integration.id, (credentials, channels) =>
      channels.open(credentials, {
        calendarId: providerCalendarId,
        channelId,
        address: webhookAddress(ctx, integration.provider),
        lifecycleAddress: webhookAddress(ctx, integration.provider),
        expiresAt: new Date(now.getTime() + channels.maxLifetimeMs),
      }),
    );
    const em = ctx.orm.em.fork();
    const row = em.create(WebhookChannelSchema, {
      tenantId: integration.tenantId,
      integrationId: integration.id,
      provider: integration.provider,
      channelId,
      resourceId: opened.providerChannelId,
      expiresAt: opened.expiresAt,
      calendarId,
      providerCalendarId,
      status: "active",
      renewalFailures: 0,
      renewedAt: now,
      createdAt: now,
    });
    await em.flush();
    ctx.logger.info({ integrationId: integration.id, expiresAt: opened.expiresAt }, "push channel opened");
    return row;
  } catch (error) {
    ctx.logger.warn({ integrationId: integration.id, err: describe(error) }, "push channel could not be opened");
    return undefined;
  }
}

async function renewChannel(ctx: AppContext, integration: CalendarIntegration, channel: WebhookChannel): Promise<void> {
  const source = ctx.providers.get(integration.provider).capabilities.pushChannels;
  if (source?.extend && channel.resourceId) {
    const ref = { channelId: channel.channelId, providerChannelId: channel.resourceId };
    const wanted = new Date(ctx.clock.now().getTime() + source.maxLifetimeMs);
    try {
      const expiresAt = await callPushChannels(ctx, integration.id, (credentials, channels) =>
        channels.extend ? channels.extend(credentials, ref, wanted) : Promise.resolve(wanted),
      );
      await ctx.orm.em
        .fork()
        .nativeUpdate(
          WebhookChannelSchema,
          { id: channel.id },
          { expiresAt, renewedAt: ctx.clock.now(), renewalFailures: 0, status: "active", lastError: null },
        );
    } catch (error) {
      if (!(error instanceof ProviderError && error.kind === "not_found")) return recordFailure(ctx, channel, error);
      // Gone at the provider: forget it and open a new one.
      await ctx.orm.em.fork().nativeDelete(WebhookChannelSchema, { id: channel.id });
      if (channel.calendarId && channel.providerCalendarId) {
        await openChannel(ctx, integration, channel.calendarId, channel.providerCalendarId);
      }
    }
    return;
  }
  // The provider cannot extend (Google): a new channel first, then the old one stops.
  const opened =
    channel.calendarId && channel.providerCalendarId
      ? await openChannel(ctx, integration, channel.calendarId, channel.providerCalendarId)
      : undefined;
  if (!opened) return recordFailure(ctx, channel, new Error("a replacement channel could not be opened"));
  await closeChannel(ctx, channel);
}

/** Stops a channel at the provider (a channel it no longer has counts as stopped) and forgets it. */
export async function closeChannel(ctx: AppContext, channel: WebhookChannel): Promise<void> {
  if (channel.resourceId) {
    const ref = { channelId: channel.channelId, providerChannelId: channel.resourceId };
    try {
      await callPushChannels(ctx, channel.integrationId, (credentials, channels) => channels.close(credentials, ref));
    } catch (error) {
      // It lapses at its expiry anyway; a push that still arrives is stopped as an orphan.
      ctx.logger.warn({ integrationId: channel.integrationId, err: describe(error) }, "push channel stop failed");
    }
  }
  await ctx.orm.em.fork().nativeDelete(WebhookChannelSchema, { id: channel.id });
}

async function recordFailure(ctx: AppContext, channel: WebhookChannel, error: unknown): Promise<void> {
  const failures = channel.renewalFailures + 1;
  await ctx.orm.em
    .fork()
    .nativeUpdate(
      WebhookChannelSchema,
      { id: channel.id },
      { renewalFailures: failures, lastError: describe(error), status: failures >= FAILED_AFTER ? "failed" : "active" },
    );
  ctx.logger.warn(
    { integrationId: channel.integrationId, failures, err: describe(error) },
    "push channel renewal failed",
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

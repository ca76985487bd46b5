import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CalendarIntegrationSchema,
  IntegrationStatus,
  ProviderCalendarSchema,
  PushChannelSchema,
  PushChannelState,
  type CalendarIntegration,
  type PushChannel,
} from "../../gen/universalcalendar/v1/calendar_pb.js";
import type { PushChannelView } from "../app/channels/channel-health.js";
import type { IntegrationView } from "../app/integrations/integration-view.js";
import { providerFromName } from "./provider-mapping.js";

const STATUS: Record<IntegrationView["status"], IntegrationStatus> = {
  active: IntegrationStatus.ACTIVE,
  error: IntegrationStatus.ERROR,
  disabled: IntegrationStatus.DISABLED,
};

export function integrationToProto(view: IntegrationView): CalendarIntegration {
  return create(CalendarIntegrationSchema, {
    id: view.id,
    tenantId: view.tenantId,
    provider: providerFromName(view.provider),
    accountEmail: view.accountEmail,
    status: STATUS[view.status],
    statusReason: view.statusReason,
    calendars: view.calendars.map((c) => create(ProviderCalendarSchema, c)),
    ...(view.lastSyncedAt ? { lastSyncedAt: timestampFromDate(view.lastSyncedAt) } : {}),
    connectedAt: timestampFromDate(view.connectedAt),
    pushChannels: (view.pushChannels ?? []).map(pushChannelToProto),
  });
}

const CHANNEL_STATE: Record<PushChannelView["state"], PushChannelState> = {
  active: PushChannelState.ACTIVE,
  expiring: PushChannelState.EXPIRING,
  expired: PushChannelState.EXPIRED,
  failed: PushChannelState.FAILED,
};

function pushChannelToProto(channel: PushChannelView): PushChannel {
  return create(PushChannelSchema, {
    calendarId: channel.calendarId,
    state: CHANNEL_STATE[channel.state],
    ...(channel.expiresAt ? { expiresAt: timestampFromDate(channel.expiresAt) } : {}),
    failedRenewals: channel.failedRenewals,
    ...(channel.lastNotificationAt ? { lastNotificationAt: timestampFromDate(channel.lastNotificationAt) } : {}),
    lastError: channel.lastError,
  });
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CalendarIntegrationSchema,
  IntegrationStatus,
  ProviderCalendarSchema,
  SyncDirection,
  PushChannelSchema,
  PushChannelState,
  type CalendarIntegration,
  type PushChannel,
} from "../../gen/universalcalendar/v1/calendar_pb.js";
import type { SyncDirection as SyncDirectionName } from "../app/calendar/update-sync-settings.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { PushChannelView } from "../app/channels/channel-health.js";
import type { IntegrationView } from "../app/integrations/integration-view.js";
import { providerFromName } from "./provider-mapping.js";

const STATUS: Record<IntegrationView["status"], IntegrationStatus> = {
  active: IntegrationStatus.ACTIVE,
  error: IntegrationStatus.ERROR,
  disabled: IntegrationStatus.DISABLED,
};

const DIRECTIONS: Record<SyncDirectionName, SyncDirection> = {
  bidirectional: SyncDirection.BIDIRECTIONAL,
  from_provider: SyncDirection.FROM_PROVIDER,
  to_provider: SyncDirection.TO_PROVIDER,
};

/** undefined for UNSPECIFIED (leave unchanged); an unknown number is invalid_argument. */
export function syncDirectionFromProto(value: SyncDirection): SyncDirectionName | undefined {
  if (value === SyncDirection.UNSPECIFIED) return undefined;
  const name = (Object.keys(DIRECTIONS) as SyncDirectionName[]).find((key) => DIRECTIONS[key] === value);
  if (!name) throw new InvalidArgumentError("sync_direction", `unknown sync direction ${value}`);
  return name;
}

export function integrationToProto(view: IntegrationView): CalendarIntegration {
  return create(CalendarIntegrationSchema, {
    id: view.id,
    tenantId: view.tenantId,
    provider: providerFromName(view.provider),
    accountEmail: view.accountEmail,
    accountName: view.accountName,
    status: STATUS[view.status],
    statusReason: view.statusReason,
    calendars: view.calendars.map((c) => create(ProviderCalendarSchema, c)),
    syncDirection: DIRECTIONS[view.syncDirection],
    syncEnabled: view.syncEnabled,
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

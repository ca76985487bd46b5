import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CalendarIntegrationSchema,
  IntegrationStatus,
  ProviderCalendarSchema,
  type CalendarIntegration,
} from "../../gen/universalcalendar/v1/calendar_pb.js";
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
    accountName: view.accountName,
    status: STATUS[view.status],
    statusReason: view.statusReason,
    calendars: view.calendars.map((c) => create(ProviderCalendarSchema, c)),
    ...(view.lastSyncedAt ? { lastSyncedAt: timestampFromDate(view.lastSyncedAt) } : {}),
    connectedAt: timestampFromDate(view.connectedAt),
  });
}

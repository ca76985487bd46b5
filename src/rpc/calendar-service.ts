import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type CalendarService,
  CompleteOAuthResponseSchema,
  ConnectCalendarResponseSchema,
  DisconnectCalendarResponseSchema,
  GetCalendarStatusResponseSchema,
  UpdateCalendarSelectionResponseSchema,
  UpdateSyncSettingsResponseSchema,
  AppointmentSyncIssueSchema,
} from "../../gen/universalcalendar/v1/calendar_pb.js";
import { getCalendarStatus } from "../app/calendar/calendar-status.js";
import type { AppContext } from "../app/context.js";
import { completeOAuth } from "../app/integrations/complete-oauth.js";
import { connectCalendar } from "../app/calendar/connect-calendar.js";
import { disconnectCalendar } from "../app/calendar/disconnect-calendar.js";
import { updateCalendarSelection } from "../app/calendar/update-calendar-selection.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant, tenantFilterOf } from "../auth/tenant-scope.js";
import { updateSyncSettings } from "../app/calendar/update-sync-settings.js";
import { integrationToProto, syncDirectionFromProto } from "./calendar-mapping.js";
import { providerName } from "./provider-mapping.js";

export function calendarService(app: AppContext): ServiceImpl<typeof CalendarService> {
  return {
    async connectCalendar(req, ctx) {
      const caller = callerOf(ctx);
      const result = await connectCalendar(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider: providerName("provider", req.provider),
        ...(req.appleCredentials
          ? {
              appleCredentials: {
                appleId: req.appleCredentials.appleId,
                appSpecificPassword: req.appleCredentials.appSpecificPassword,
              },
            }
          : {}),
        ...(req.credentials
          ? {
              fieldServiceCredentials: {
                apiKey: req.credentials.apiKey,
                subdomain: req.credentials.subdomain,
                companyId: req.credentials.companyId,
              },
            }
          : {}),
        ...(req.timezone ? { timeZone: req.timezone } : {}),
      });
      return result.kind === "authorize"
        ? create(ConnectCalendarResponseSchema, {
            authorizationUrl: result.authorizationUrl,
            state: result.state,
            expiresInSeconds: result.expiresInSeconds,
            connected: false,
          })
        : create(ConnectCalendarResponseSchema, {
            connected: true,
            integration: integrationToProto(result.integration),
          });
    },

    async completeOAuth(req, ctx) {
      const caller = callerOf(ctx);
      const result = await completeOAuth(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider: providerName("provider", req.provider),
        code: req.code,
        state: req.state,
      });
      return create(CompleteOAuthResponseSchema, {
        integration: integrationToProto(result.integration),
        syncId: result.syncId,
      });
    },

    async getCalendarStatus(req, ctx) {
      const caller = callerOf(ctx);
      const status = await getCalendarStatus(app, caller, { tenantId: resolveTenant(caller, req.tenantId) });
      return create(GetCalendarStatusResponseSchema, {
        integrations: status.integrations.map(integrationToProto),
        appointmentIssues: status.issues.map((issue) => create(AppointmentSyncIssueSchema, issue)),
      });
    },

    async updateSyncSettings(req, ctx) {
      const caller = callerOf(ctx);
      const view = await updateSyncSettings(app, caller, {
        integrationId: req.integrationId,
        tenantFilter: tenantFilterOf(caller),
        syncDirection: syncDirectionFromProto(req.syncDirection),
        syncEnabled: req.syncEnabled,
      });
      return create(UpdateSyncSettingsResponseSchema, { integration: integrationToProto(view) });
    },

    async updateCalendarSelection(req, ctx) {
      const caller = callerOf(ctx);
      const view = await updateCalendarSelection(app, caller, {
        integrationId: req.integrationId,
        tenantFilter: tenantFilterOf(caller),
        calendars: req.calendars.map((c) => ({
          calendarId: c.calendarId,
          checkConflicts: c.checkConflicts,
          receivesEvents: c.receivesEvents,
        })),
      });
      return create(UpdateCalendarSelectionResponseSchema, { integration: integrationToProto(view) });
    },

    async disconnectCalendar(req, ctx) {
      const caller = callerOf(ctx);
      const { revoked } = await disconnectCalendar(app, caller, {
        integrationId: req.integrationId,
        tenantFilter: tenantFilterOf(caller),
      });
      return create(DisconnectCalendarResponseSchema, { disconnected: true, revoked });
    },
  };
}

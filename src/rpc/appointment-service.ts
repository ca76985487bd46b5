import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AppointmentService,
  CancelAppointmentResponseSchema,
  NotificationsSentSchema,
  CreateAppointmentResponseSchema,
  GetAppointmentResponseSchema,
  ListAppointmentsResponseSchema,
  UpdateAppointmentResponseSchema,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { cancelAppointment } from "../app/appointments/cancel-appointment.js";
import { createAppointment } from "../app/appointments/create-appointment.js";
import { getAppointment } from "../app/appointments/get-appointment.js";
import { listAppointments } from "../app/appointments/list-appointments.js";
import { updateAppointment } from "../app/appointments/update-appointment.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant, tenantFilterOf } from "../auth/tenant-scope.js";
import {
  appointmentFieldsFromProto,
  appointmentToProto,
  cancellationReasonFromProto,
  statusFromProto,
} from "./appointment-mapping.js";
import { conflictToProto, slotToProto } from "./conflict-mapping.js";
import type { FastPathResult } from "../app/outbox/deliver-soon.js";
import { freshnessToProto } from "./freshness-mapping.js";
import type { AppContext } from "../app/context.js";
import { requireExpectedVersion } from "../domain/validation.js";

export function appointmentService(app: AppContext): ServiceImpl<typeof AppointmentService> {
  return {
    async createAppointment(req, ctx) {
      const caller = callerOf(ctx);
      const result = await createAppointment(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        idempotencyKey: req.idempotencyKey,
        request: { ...appointmentFieldsFromProto(req), notifyCustomer: req.notifyCustomer },
        technician: { technicianId: req.technicianId, anyTechnician: req.anyTechnician, jobType: req.jobType },
        holdToken: req.holdToken,
        ...(req.maxStalenessSeconds === undefined ? {} : { maxStalenessSeconds: req.maxStalenessSeconds }),
      });
      const dataAsOf = result.dataAsOf.map(freshnessToProto);
      return result.created
        ? create(CreateAppointmentResponseSchema, {
            created: true,
            appointment: appointmentToProto(result.appointment),
            calendarEventId:
              result.appointment.syncStatus === "synced" ? (result.appointment.externalEventId ?? "") : "",
            confirmationSent: result.confirmationSent === true,
            dataAsOf,
          })
        : create(CreateAppointmentResponseSchema, {
            created: false,
            conflicts: result.conflicts.map(conflictToProto),
            suggestedSlots: result.suggestedSlots.map(slotToProto),
            dataAsOf,
          });
    },

    async getAppointment(req, ctx) {
      const caller = callerOf(ctx);
      const appointment = await getAppointment(app, caller, { id: req.id, tenantFilter: tenantFilterOf(caller) });
      return create(GetAppointmentResponseSchema, { appointment: appointmentToProto(appointment) });
    },

    async updateAppointment(req, ctx) {
      const caller = callerOf(ctx);
      const result = await updateAppointment(app, caller, {
        id: req.id,
        tenantFilter: tenantFilterOf(caller),
        expectedVersion: requireExpectedVersion("expected_version", req.expectedVersion),
        patch: { ...appointmentFieldsFromProto(req), technicianId: req.technicianId },
      });
      return create(UpdateAppointmentResponseSchema, {
        updated: result.updated,
        appointment: appointmentToProto(result.appointment),
        conflicts: result.updated ? [] : result.conflicts.map(conflictToProto),
        suggestedSlots: result.updated ? [] : result.suggestedSlots.map(slotToProto),
        calendarUpdated: result.updated && result.delivery?.calendarWritten === true,
        notificationsSent: notificationsSentOf(result.updated ? result.delivery : undefined),
      });
    },

    async cancelAppointment(req, ctx) {
      const caller = callerOf(ctx);
      const result = await cancelAppointment(app, caller, {
        id: req.id,
        tenantFilter: tenantFilterOf(caller),
        reason: cancellationReasonFromProto(req.reason),
        notes: req.notes,
        notifyCustomer: req.notifyCustomer,
      });
      return create(CancelAppointmentResponseSchema, {
        cancelled: result.cancelled,
        appointment: appointmentToProto(result.appointment),
        calendarEventDeleted: result.delivery?.calendarWritten === true,
        notificationsSent: notificationsSentOf(result.delivery),
      });
    },

    async listAppointments(req, ctx) {
      const caller = callerOf(ctx);
      const page = await listAppointments(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        startDate: req.startDate,
        endDate: req.endDate,
        statuses: req.statuses.map((status, i) => statusFromProto(`statuses[${i}]`, status)),
        page: req.page,
        limit: req.limit,
        customerPhone: req.customerPhone,
        customerId: req.customerId,
        leadId: req.leadId,
        conversationId: req.conversationId,
      });
      return create(ListAppointmentsResponseSchema, {
        appointments: page.appointments.map(appointmentToProto),
        total: page.total,
        page: page.page,
        limit: page.limit,
        pages: page.pages,
      });
    },
  };
}

/** The business hears through its calendar; the customer through the notification service. */
function notificationsSentOf(delivery: FastPathResult | undefined) {
  return create(NotificationsSentSchema, {
    customer: delivery?.customerNotified === true,
    provider: delivery?.calendarWritten === true,
  });
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CancelJobResponseSchema,
  ConnectHousecallProResponseSchema,
  ConnectJobberResponseSchema,
  CreateJobResponseSchema,
  type FieldServiceService,
  ListJobsResponseSchema,
  PaginationSchema,
  SyncCustomerResponseSchema,
  UpdateJobResponseSchema,
} from "../../gen/universalcalendar/v1/field_service_pb.js";
import { cancelJob } from "../app/field-service/cancel-job.js";
import {
  connectFieldServiceWithApiKey,
  type FieldServiceConnection,
} from "../app/field-service/connect-field-service.js";
import { connectJobber } from "../app/field-service/connect-jobber.js";
import { createJob } from "../app/field-service/create-job.js";
import { listJobs } from "../app/field-service/list-jobs.js";
import { syncCustomer } from "../app/field-service/sync-customer.js";
import { updateJob } from "../app/field-service/update-job.js";
import type { AppContext } from "../app/context.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant } from "../auth/tenant-scope.js";
import { optionalInstant } from "./appointment-mapping.js";
import { conflictToProto, slotToProto } from "./conflict-mapping.js";
import {
  customerFromProto,
  customerToProto,
  duplicateCheckToProto,
  fieldServiceIntegrationToProto,
  jobStatusFromProto,
  jobToProto,
  syncEnabledOf,
  technicianToProto,
  urgencyFromProto,
} from "./field-service-mapping.js";
import { providerName } from "./provider-mapping.js";

/** The seed's connect answer: the integration, its company name, whether busy-time sync runs, when it last ran. */
function connectionFields(connection: FieldServiceConnection) {
  return {
    connected: true,
    integration: fieldServiceIntegrationToProto(connection.integration),
    companyName: connection.companyName,
    syncEnabled: syncEnabledOf(connection.integration),
    ...(connection.integration.lastSyncedAt
      ? { lastSyncAt: timestampFromDate(connection.integration.lastSyncedAt) }
      : {}),
    syncId: connection.syncId,
  };
}

export function fieldServiceService(app: AppContext): ServiceImpl<typeof FieldServiceService> {
  return {
    async connectJobber(req, ctx) {
      const caller = callerOf(ctx);
      const result = await connectJobber(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        apiKey: req.apiKey,
        subdomain: req.subdomain,
        code: req.code,
        state: req.state,
        timeZone: req.timezone,
      });
      return result.kind === "authorize"
        ? create(ConnectJobberResponseSchema, {
            authorizationUrl: result.authorizationUrl,
            state: result.state,
            expiresInSeconds: result.expiresInSeconds,
          })
        : create(ConnectJobberResponseSchema, connectionFields(result));
    },

    async connectHousecallPro(req, ctx) {
      const caller = callerOf(ctx);
      const connection = await connectFieldServiceWithApiKey(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider: "housecall_pro",
        apiKey: req.apiKey,
        companyId: req.companyId,
        timeZone: req.timezone,
      });
      return create(ConnectHousecallProResponseSchema, connectionFields(connection));
    },

    async listJobs(req, ctx) {
      const caller = callerOf(ctx);
      const provider = providerName("provider", req.provider);
      const status = jobStatusFromProto(req.status);
      const result = await listJobs(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider,
        startDate: req.startDate,
        endDate: req.endDate,
        ...(status ? { status } : {}),
        page: req.page,
        limit: req.limit,
      });
      return create(ListJobsResponseSchema, {
        jobs: result.jobs.map((job) => jobToProto(provider, job)),
        pagination: create(PaginationSchema, result.pagination),
      });
    },

    async createJob(req, ctx) {
      const caller = callerOf(ctx);
      const provider = providerName("provider", req.provider);
      const urgency = urgencyFromProto(req.urgency);
      const start = optionalInstant("scheduled_start", req.scheduledStart);
      const end = optionalInstant("end_time", req.endTime);
      const result = await createJob(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider,
        idempotencyKey: req.idempotencyKey,
        customer: customerFromProto(req.customer),
        title: req.title,
        description: req.description,
        notes: req.notes,
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        ...(req.estimatedDurationMinutes ? { durationMinutes: req.estimatedDurationMinutes } : {}),
        estimatedValue: req.estimatedValue,
        jobType: req.jobType,
        ...(urgency ? { urgency } : {}),
        leadId: req.leadId,
        conversationId: req.conversationId,
        technicianId: req.technicianId,
      });
      if (!result.created) {
        return create(CreateJobResponseSchema, {
          created: false,
          conflicts: result.conflicts.map(conflictToProto),
          suggestedSlots: result.suggestedSlots.map(slotToProto),
        });
      }
      return create(CreateJobResponseSchema, {
        created: true,
        job: jobToProto(provider, { ...result.job, appointmentId: result.appointmentId }),
        jobId: result.job.id,
        ...(result.scheduledTechnician ? { scheduledTechnician: technicianToProto(result.scheduledTechnician) } : {}),
        confirmationSent: result.confirmationSent,
        invoiceCreated: result.invoiceCreated,
        appointmentId: result.appointmentId,
      });
    },

    async updateJob(req, ctx) {
      const caller = callerOf(ctx);
      const provider = providerName("provider", req.provider);
      const start = optionalInstant("scheduled_start", req.scheduledStart);
      const end = optionalInstant("end_time", req.endTime);
      const result = await updateJob(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider,
        jobId: req.jobId,
        ...(req.title !== undefined ? { title: req.title } : {}),
        ...(req.description !== undefined ? { description: req.description } : {}),
        ...(req.notes !== undefined ? { notes: req.notes } : {}),
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        ...(req.estimatedDurationMinutes !== undefined ? { durationMinutes: req.estimatedDurationMinutes } : {}),
        ...(req.technicianId !== undefined ? { technicianId: req.technicianId } : {}),
      });
      if (!result.updated) {
        return create(UpdateJobResponseSchema, {
          updated: false,
          job: jobToProto(provider, result.job),
          conflicts: result.conflicts.map(conflictToProto),
          suggestedSlots: result.suggestedSlots.map(slotToProto),
        });
      }
      return create(UpdateJobResponseSchema, {
        updated: true,
        job: jobToProto(provider, {
          ...result.job,
          ...(result.appointmentId ? { appointmentId: result.appointmentId } : {}),
        }),
        changes: result.changes,
        notificationsSent: result.notificationsSent,
      });
    },

    async cancelJob(req, ctx) {
      const caller = callerOf(ctx);
      const provider = providerName("provider", req.provider);
      const result = await cancelJob(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider,
        jobId: req.jobId,
        reason: req.reason,
      });
      return create(CancelJobResponseSchema, { cancelled: result.cancelled, job: jobToProto(provider, result.job) });
    },

    async syncCustomer(req, ctx) {
      const caller = callerOf(ctx);
      const result = await syncCustomer(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        provider: providerName("provider", req.provider),
        customer: customerFromProto(req.customer),
      });
      return create(SyncCustomerResponseSchema, {
        customerId: result.customer.id,
        created: result.created,
        matched: result.matched,
        duplicateCheck: duplicateCheckToProto(result.duplicateCheck),
        customer: customerToProto(result.customer),
      });
    },
  };
}

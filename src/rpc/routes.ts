import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AuditService } from "../../gen/universalcalendar/v1/audit_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { PrivacyService } from "../../gen/universalcalendar/v1/privacy_pb.js";
import { SyncService } from "../../gen/universalcalendar/v1/sync_pb.js";
import { appointmentService } from "./appointment-service.js";
import { auditService } from "./audit-service.js";
import { availabilityService } from "./availability-service.js";
import { calendarService } from "./calendar-service.js";
import { fieldServiceService } from "./field-service-service.js";
import { healthService } from "./health.js";
import { reflectionService, reflectionServiceV1alpha } from "./reflection.js";
import { privacyService } from "./privacy-service.js";
import type { RpcDependencies } from "./rpc-dependencies.js";
import { syncService } from "./sync-service.js";

const API_SERVICES = [
  AppointmentService,
  AuditService,
  AvailabilityService,
  CalendarService,
  FieldServiceService,
  PrivacyService,
  SyncService,
];

/**
 * Every service on the one port. Methods without an implementation answer
 * UNIMPLEMENTED (connect-es fills them in), never a fake success.
 */
export function registerRoutes(router: ConnectRouter, deps: RpcDependencies): void {
  const apiNames = API_SERVICES.map((service) => service.typeName);
  router.service(AppointmentService, appointmentService(deps.app));
  router.service(AvailabilityService, availabilityService(deps.app));
  router.service(CalendarService, calendarService(deps.app));
  router.service(FieldServiceService, fieldServiceService(deps.app));
  router.service(SyncService, syncService(deps.app));
  router.service(AuditService, auditService(deps.app));
  router.service(PrivacyService, privacyService(deps.app));
  router.service(Health, healthService(deps.databaseHealth, apiNames));
  const reflection = reflectionService([
    ...apiNames,
    Health.typeName,
    ServerReflection.typeName,
    ServerReflectionV1alpha.typeName,
  ]);
  router.service(ServerReflection, reflection);
  router.service(ServerReflectionV1alpha, reflectionServiceV1alpha(reflection));
}

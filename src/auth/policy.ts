import type { DescMethod } from "@bufbuild/protobuf";

/**
 * Which credentials each RPC takes (the design page's auth column).
 * key: X-Service-Key only. jwt: a tenant JWT, or a service key.
 * open: health and reflection. A method missing here is refused.
 */
export type AuthRequirement = "key" | "jwt" | "open";

const KEY_ONLY = new Set([
  "universalcalendar.v1.AvailabilityService.CheckAvailability",
  "universalcalendar.v1.AppointmentService.CreateAppointment",
  "universalcalendar.v1.SyncService.TriggerSync",
  "universalcalendar.v1.SyncService.GetSyncStatus",
  "universalcalendar.v1.SyncService.WatchSync",
  "universalcalendar.v1.FieldServiceService.CreateJob",
  "universalcalendar.v1.FieldServiceService.SyncCustomer",
  "universalcalendar.v1.PrivacyService.ForgetCustomer",
  "universalcalendar.v1.PrivacyService.RotateTenantDataKey",
  "universalcalendar.v1.PrivacyService.DestroyTenantDataKeys",
]);

const OPEN_SERVICES = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

export function authRequirementOf(method: DescMethod): AuthRequirement {
  if (OPEN_SERVICES.has(method.parent.typeName)) return "open";
  const name = `${method.parent.typeName}.${method.name}`;
  if (KEY_ONLY.has(name)) return "key";
  if (method.parent.typeName.startsWith("universalcalendar.v1.")) return "jwt";
  return "key";
}

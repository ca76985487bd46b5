import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  DestroyTenantDataKeysResponseSchema,
  ForgetCustomerResponseSchema,
  type PrivacyService,
  RotateTenantDataKeyResponseSchema,
} from "../../gen/universalcalendar/v1/privacy_pb.js";
import type { AppContext } from "../app/context.js";
import { destroyTenantDataKeys } from "../app/customer-data/destroy-tenant-data-keys.js";
import { forgetCustomer } from "../app/customer-data/forget-customer.js";
import { rotateTenantDataKey } from "../app/customer-data/rotate-tenant-data-key.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant } from "../auth/tenant-scope.js";

export function privacyService(app: AppContext): ServiceImpl<typeof PrivacyService> {
  return {
    async forgetCustomer(req, ctx) {
      const caller = callerOf(ctx);
      const result = await forgetCustomer(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        customerId: req.customerId,
        customerPhone: req.customerPhone,
        customerEmail: req.customerEmail,
      });
      return create(ForgetCustomerResponseSchema, result);
    },

    async rotateTenantDataKey(req, ctx) {
      const caller = callerOf(ctx);
      const result = await rotateTenantDataKey(app, caller, { tenantId: resolveTenant(caller, req.tenantId) });
      return create(RotateTenantDataKeyResponseSchema, result);
    },

    async destroyTenantDataKeys(req, ctx) {
      const caller = callerOf(ctx);
      const result = await destroyTenantDataKeys(app, caller, { tenantId: resolveTenant(caller, req.tenantId) });
      return create(DestroyTenantDataKeysResponseSchema, result);
    },
  };
}

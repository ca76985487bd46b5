import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateTechnicianResponseSchema,
  DeleteTechnicianResponseSchema,
  GetTechnicianResponseSchema,
  ListTechniciansResponseSchema,
  UpdateTechnicianResponseSchema,
  type TechnicianService,
} from "../../gen/universalcalendar/v1/technician_pb.js";
import type { AppContext } from "../app/context.js";
import { createTechnician } from "../app/technicians/create-technician.js";
import { deleteTechnician } from "../app/technicians/delete-technician.js";
import { getTechnician } from "../app/technicians/get-technician.js";
import { listTechnicians } from "../app/technicians/list-technicians.js";
import { updateTechnician } from "../app/technicians/update-technician.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant, tenantFilterOf } from "../auth/tenant-scope.js";
import { technicianFieldsFromProto, technicianToProto } from "./technician-mapping.js";

/** TechnicianService: a tenant JWT (its own technicians) or the service key. */
export function technicianService(app: AppContext): ServiceImpl<typeof TechnicianService> {
  return {
    async createTechnician(req, ctx) {
      const caller = callerOf(ctx);
      const technician = await createTechnician(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        fields: technicianFieldsFromProto(req.technician),
      });
      return create(CreateTechnicianResponseSchema, { technician: technicianToProto(technician) });
    },

    async getTechnician(req, ctx) {
      const caller = callerOf(ctx);
      const technician = await getTechnician(app, caller, { id: req.id, tenantFilter: tenantFilterOf(caller) });
      return create(GetTechnicianResponseSchema, { technician: technicianToProto(technician) });
    },

    async listTechnicians(req, ctx) {
      const caller = callerOf(ctx);
      const technicians = await listTechnicians(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        jobType: req.jobType,
      });
      return create(ListTechniciansResponseSchema, { technicians: technicians.map(technicianToProto) });
    },

    async updateTechnician(req, ctx) {
      const caller = callerOf(ctx);
      const technician = await updateTechnician(app, caller, {
        id: req.id,
        tenantFilter: tenantFilterOf(caller),
        fields: technicianFieldsFromProto(req.technician),
      });
      return create(UpdateTechnicianResponseSchema, { technician: technicianToProto(technician) });
    },

    async deleteTechnician(req, ctx) {
      const caller = callerOf(ctx);
      const deleted = await deleteTechnician(app, caller, { id: req.id, tenantFilter: tenantFilterOf(caller) });
      return create(DeleteTechnicianResponseSchema, { deleted });
    },
  };
}

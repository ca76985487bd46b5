import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ServiceTechnicianSchema,
  type ServiceTechnician,
  type TechnicianFields,
} from "../../gen/universalcalendar/v1/technician_pb.js";
import type { Technician } from "../domain/technicians/technician.js";
import type { TechnicianFieldsRequest } from "../domain/technicians/technician-fields.js";
import { rulesFromProto } from "./availability-mapping.js";

export function technicianFieldsFromProto(fields: TechnicianFields | undefined): TechnicianFieldsRequest {
  const hours = rulesFromProto({
    $typeName: "universalcalendar.v1.SchedulingRules",
    timeZone: "",
    weeklyHours: fields?.weeklyHours?.days ?? [],
    dateOverrides: fields?.dateOverrides ?? [],
    slotIntervalMinutes: 0,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 0,
    tentativeIsBusy: false,
  });
  return {
    name: fields?.name ?? "",
    skills: fields?.skills ?? [],
    serviceArea: fields?.serviceArea ?? "",
    weeklyHours: fields?.weeklyHours ? hours.weeklyHours : null,
    dateOverrides: hours.dateOverrides,
    calendarId: fields?.calendarId ?? "",
    jobberUserId: fields?.jobberUserId ?? "",
    housecallProEmployeeId: fields?.housecallProEmployeeId ?? "",
  };
}

export function technicianToProto(technician: Technician): ServiceTechnician {
  return create(ServiceTechnicianSchema, {
    id: technician.id,
    tenantId: technician.tenantId,
    fields: {
      name: technician.name,
      skills: technician.skills,
      serviceArea: technician.serviceArea ?? "",
      ...(technician.weeklyHours
        ? {
            weeklyHours: {
              days: [...technician.weeklyHours]
                .sort((a, b) => a.weekday - b.weekday)
                .map((day) => ({ weekday: day.weekday, ranges: day.ranges })),
            },
          }
        : {}),
      dateOverrides: technician.dateOverrides,
      calendarId: technician.calendarId ?? "",
      jobberUserId: technician.jobberUserId ?? "",
      housecallProEmployeeId: technician.housecallProEmployeeId ?? "",
    },
    createdAt: timestampFromDate(technician.createdAt),
    updatedAt: timestampFromDate(technician.updatedAt),
  });
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DataFreshnessSchema, type DataFreshness } from "../../gen/universalcalendar/v1/common_pb.js";
import type { DataFreshness as Freshness } from "../app/sync/refresh-stale-mirrors.js";
import { providerFromName } from "./provider-mapping.js";

export function freshnessToProto(freshness: Freshness): DataFreshness {
  return create(DataFreshnessSchema, {
    integrationId: freshness.integrationId,
    provider: providerFromName(freshness.provider),
    ...(freshness.asOf ? { asOf: timestampFromDate(freshness.asOf) } : {}),
    stale: freshness.stale,
  });
}

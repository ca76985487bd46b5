import type { FilterQuery } from "@mikro-orm/core";
import { InvalidArgumentError } from "../../domain/errors.js";
import { requirePage } from "../../domain/validation.js";
import type { Caller } from "../../domain/caller.js";
import { AvailabilityBlockSchema, type AvailabilityBlock } from "../../entities/availability-block.js";
import type { AppContext } from "../context.js";

export interface ListBlocksInput {
  tenantId: string;
  /** Only blocks ending after this instant. */
  start?: Date;
  /** Only blocks starting before this instant. */
  end?: Date;
  page: number;
  limit: number;
}

export interface BlockPage {
  blocks: AvailabilityBlock[];
  total: number;
  page: number;
  limit: number;
  pages: number;
}

/** Active (not deleted) blocks overlapping the optional range, by start time. */
export async function listBlocks(ctx: AppContext, _caller: Caller, query: ListBlocksInput): Promise<BlockPage> {
  const { page, limit, offset } = requirePage(query.page, query.limit);
  if (query.start && query.end && query.end <= query.start) {
    throw new InvalidArgumentError("end_time", "must be after start_time");
  }
  const where: FilterQuery<AvailabilityBlock> = { tenantId: query.tenantId, deletedAt: null };
  if (query.start) where.endTime = { $gt: query.start };
  if (query.end) where.startTime = { $lt: query.end };
  const [blocks, total] = await ctx.orm.em
    .fork()
    .findAndCount(AvailabilityBlockSchema, where, { orderBy: { startTime: "asc", id: "asc" }, limit, offset });
  return { blocks, total, page, limit, pages: Math.ceil(total / limit) };
}

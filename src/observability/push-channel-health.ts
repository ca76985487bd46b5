import type { MikroORM } from "../db/orm.js";

export type ChannelState = "active" | "expiring" | "expired";

export interface ChannelCount {
  provider: string;
  state: ChannelState;
  channels: number;
}

/** A channel that lapses within this time and is not renewed yet counts as expiring. */
const EXPIRING_WITHIN = "1 hour";

/** Push channels (webhook_channels) per provider: live, about to lapse, or lapsed. */
export async function readPushChannelHealth(orm: MikroORM): Promise<ChannelCount[]> {
  return orm.em
    .fork()
    .getConnection()
    .execute<ChannelCount[]>(
      `select provider,
              case when expires_at is null or expires_at > now() + interval '${EXPIRING_WITHIN}' then 'active'
                   when expires_at > now() then 'expiring'
                   else 'expired' end as state,
              count(*)::int as channels
         from webhook_channels group by 1, 2`,
    );
}

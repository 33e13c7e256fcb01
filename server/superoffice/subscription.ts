// The app's subscription per installation: trial, active or expired, with a seat count. A seat is
// one linked user; linking beyond the seats is refused with a message that says so.
import type { Knex } from 'knex';

export type SubscriptionState = 'trial' | 'active' | 'expired';

/** A trial lets a tenant link this many users unless it was given a seat count of its own. */
export const TRIAL_SEATS = 5;

/** Link states that hold a seat (an unlinked user gives theirs back). */
export const SEATED = ['pending', 'active', 'needs_reconnect', 'needs_confirmation', 'paused', 'error'];

export class SeatLimitReached extends Error {
  constructor(
    readonly seats: number,
    readonly state: SubscriptionState,
  ) {
    super(
      state === 'expired'
        ? 'The Calendar Sync subscription has expired: no users can be linked until it is renewed.'
        : `All ${seats} seats of the Calendar Sync ${state === 'trial' ? 'trial' : 'subscription'} are in use: unlink a user or add seats before linking another.`,
    );
    this.name = 'SeatLimitReached';
  }
}

export function seatsFor(state: SubscriptionState, seatCount: number): number {
  if (state === 'expired') return 0;
  if (state === 'trial') return seatCount > 0 ? seatCount : TRIAL_SEATS;
  return seatCount;
}

/** Seats in use (links that hold one) and seats the subscription gives. */
export async function seatUsage(db: Knex, tenantId: string): Promise<{ used: number; total: number; state: SubscriptionState }> {
  const tenant = await db('tenants').where({ id: tenantId }).first('subscription_state', 'seat_count');
  const counted = await db('links').where({ tenant_id: tenantId }).whereIn('state', SEATED).count<{ used: number }[]>('* as used');
  const state = (tenant?.subscription_state ?? 'trial') as SubscriptionState;
  return { used: Number(counted[0]?.used ?? 0), total: seatsFor(state, Number(tenant?.seat_count ?? 0)), state };
}

export interface NewLink {
  tenantId: string;
  profileId: string;
  associateId: number;
  associateEmail?: string;
  mailbox: string;
}

/**
 * Links a user, or relinks one who was unlinked, within the tenant's seats. The tenant row is
 * locked for the count, so two admins linking at once cannot both take the last seat.
 */
export async function linkUser(db: Knex, input: NewLink): Promise<string> {
  return db.transaction(async (trx) => {
    const tenant = await trx('tenants').where({ id: input.tenantId }).forUpdate().first('subscription_state', 'seat_count');
    if (!tenant) throw new Error(`no tenant ${input.tenantId}`);
    const existing = await trx('links').where({ tenant_id: input.tenantId, associate_id: input.associateId }).first('id', 'state', 'profile_id', 'mailbox');
    const alreadySeated = existing && SEATED.includes(existing.state as string);
    if (!alreadySeated) {
      const seats = seatsFor(tenant.subscription_state as SubscriptionState, Number(tenant.seat_count));
      const counted = await trx('links').where({ tenant_id: input.tenantId }).whereIn('state', SEATED).count<{ used: number }[]>('* as used');
      if (Number(counted[0]?.used ?? 0) >= seats) throw new SeatLimitReached(seats, tenant.subscription_state as SubscriptionState);
    }
    const fields = {
      profile_id: input.profileId,
      associate_email: input.associateEmail ?? null,
      mailbox: input.mailbox,
      state: alreadySeated ? existing.state : 'pending',
      updated_at: trx.fn.now(),
    };
    if (existing) {
      await trx('links').where({ id: existing.id, tenant_id: input.tenantId }).update(fields);
      const sameCalendar = existing.profile_id === input.profileId && String(existing.mailbox).toLowerCase() === input.mailbox.toLowerCase();
      if (!sameCalendar) {
        // Another calendar: what the link table knows of the old one would read as "deleted there"
        // and delete SuperOffice's copies. Start afresh: items are paired again by their stable
        // keys, and what the new calendar lacks is created there. Relinking the same calendar keeps
        // everything, so nothing is duplicated.
        for (const table of ['synced_items', 'cursors', 'sync_hints']) {
          await trx(table).where({ tenant_id: input.tenantId, link_id: existing.id }).delete();
        }
      }
      return existing.id as string;
    }
    const [row] = await trx('links').insert({ tenant_id: input.tenantId, associate_id: input.associateId, ...fields }).returning('id');
    return row.id as string;
  });
}

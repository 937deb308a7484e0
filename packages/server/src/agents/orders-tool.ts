import { createHash } from 'node:crypto';
import type { IdentityContext } from './agent.js';

export interface Order {
  id: string;
  item: string;
  status: 'processing' | 'shipped' | 'delivered';
  totalCents: number;
}

const ITEMS = ['Walnut desk lamp', 'Linen throw', 'Espresso cups (set of 4)', 'Trail running shoes', 'Wool beanie', 'Cast iron skillet'];
const STATUSES: Order['status'][] = ['processing', 'shipped', 'delivered'];

/**
 * The demo `orders` tool. It takes the identity context and nothing else: there is
 * no parameter through which a message could name another user.
 */
export function ordersTool(identity: IdentityContext): { ok: true; orders: Order[] } | { ok: false; reason: 'login_required' } {
  if (identity.userId === null) return { ok: false, reason: 'login_required' };
  return { ok: true, orders: demoOrdersOf(identity.tenantId, identity.userId) };
}

/** Deterministic pretend orders of one user. */
export function demoOrdersOf(tenantId: string, userId: string): Order[] {
  const digest = createHash('sha256').update(`${tenantId}:${userId}`).digest();
  const count = 1 + (digest[0] % 3);
  return Array.from({ length: count }, (_, i) => ({
    id: `ord_${digest.subarray(1 + i * 4, 5 + i * 4).toString('hex')}`,
    item: ITEMS[digest[10 + i] % ITEMS.length],
    status: STATUSES[digest[20 + i] % STATUSES.length],
    totalCents: 500 + ((digest[24 + i] * 97) % 20000),
  }));
}

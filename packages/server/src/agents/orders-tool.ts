import { createHash } from 'node:crypto';
import type { IdentityContext } from './agent.js';
import { DEMO_PRODUCTS } from './demo-catalog.js';

export interface Order {
  id: string;
  item: string;
  status: 'processing' | 'shipped' | 'delivered';
  quantity: number;
  /** The catalogue's price of the item (demo-catalog.ts), the one the shop shows. */
  unitPriceCents: number;
  totalCents: number;
}

const STATUSES: Order['status'][] = ['processing', 'shipped', 'delivered'];

/**
 * The demo `orders` tool. It takes the identity context and nothing else: there is
 * no parameter through which a message could name another user.
 */
export function ordersTool(identity: IdentityContext): { ok: true; orders: Order[] } | { ok: false; reason: 'login_required' } {
  if (identity.userId === null) return { ok: false, reason: 'login_required' };
  return { ok: true, orders: demoOrdersOf(identity.tenantId, identity.userId) };
}

/** Deterministic pretend orders of one user, of the shop's products at the shop's prices. */
export function demoOrdersOf(tenantId: string, userId: string): Order[] {
  const digest = createHash('sha256').update(`${tenantId}:${userId}`).digest();
  const count = 1 + (digest[0] % 3);
  return Array.from({ length: count }, (_, i) => {
    const product = DEMO_PRODUCTS[digest[10 + i] % DEMO_PRODUCTS.length];
    const quantity = 1 + (digest[24 + i] % 2);
    return {
      id: `ord_${digest.subarray(1 + i * 4, 5 + i * 4).toString('hex')}`,
      item: product.name,
      status: STATUSES[digest[20 + i] % STATUSES.length],
      quantity,
      unitPriceCents: product.priceCents,
      totalCents: product.priceCents * quantity,
    };
  });
}

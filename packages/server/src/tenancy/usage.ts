import type { Store } from '../store/index.js';

export interface MonthlyUsage {
  month: string;
  uniqueAnonymous: number;
  uniqueUsers: number;
  sessions: number;
  messages: number;
}

/** A tenant's usage of one month (`YYYY-MM`): unique visitors and users, sessions and messages. */
export async function monthlyUsage(store: Store, tenantId: string, month: string): Promise<MonthlyUsage> {
  await store.usageMeter.flush();
  const actives = await store.usage.countActives(tenantId, month);
  const counters = await store.usage.counters(tenantId, month);
  return { month, uniqueAnonymous: actives.anonymous, uniqueUsers: actives.user, sessions: counters.sessions, messages: counters.messages };
}

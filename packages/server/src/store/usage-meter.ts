import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { usageRepo } from './usage.js';

/** Adds to a tenant's month of usage: what the message path needs. */
export interface UsageCounting {
  count(tenantId: string, month: string, increments: { sessions?: number; messages?: number }): void;
}

export type ActiveKind = 'anonymous' | 'user';

/** How often what was counted is written, at most: what a `kill -9` can lose. */
export const USAGE_FLUSH_INTERVAL_MS = 1_000;
/** A flush starts early once this many counters and actives are waiting. */
const FLUSH_AT_ENTRIES = 2_000;

interface Counter {
  tenantId: string;
  month: string;
  sessions: number;
  messages: number;
}

interface Active {
  tenantId: string;
  month: string;
  kind: ActiveKind;
  subjectId: string;
}

/**
 * Usage counting kept out of the requests that cause it: counts and monthly actives are summed in
 * memory and written together, one transaction every `USAGE_FLUSH_INTERVAL_MS` (one upsert per
 * tenant and month, one insert per distinct active). Every node adds only its own increments, so
 * the totals stay exact across nodes and restarts; `flush()` writes what waits (store.close() does,
 * which is how SIGTERM loses nothing), and a failed write keeps it for the next flush.
 */
export class UsageMeter implements UsageCounting {
  private counters = new Map<string, Counter>();
  private actives = new Map<string, Active>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = USAGE_FLUSH_INTERVAL_MS,
  ) {}

  count(tenantId: string, month: string, increments: { sessions?: number; messages?: number }): void {
    this.addCount(tenantId, month, increments);
    this.schedule();
  }

  /** `subjectId` (an anonymous id or a user id) was active in the tenant this month. */
  active(tenantId: string, month: string, kind: ActiveKind, subjectId: string): void {
    const entry = { tenantId, month, kind, subjectId };
    this.actives.set(activeKey(entry), entry);
    this.schedule();
  }

  /** Writes everything counted so far; resolves once it is stored (or has failed and waits again). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private addCount(tenantId: string, month: string, increments: { sessions?: number; messages?: number }): void {
    const key = `${tenantId}\n${month}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = { tenantId, month, sessions: 0, messages: 0 };
      this.counters.set(key, counter);
    }
    counter.sessions += increments.sessions ?? 0;
    counter.messages += increments.messages ?? 0;
  }

  private schedule(): void {
    if (this.counters.size + this.actives.size >= FLUSH_AT_ENTRIES) void this.flush();
    else this.startTimer();
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counters.size === 0 && this.actives.size === 0) return;
    const counters = [...this.counters.values()];
    const actives = [...this.actives.values()];
    this.counters = new Map();
    this.actives = new Map();
    try {
      await this.db.transaction().execute(async (trx) => {
        const usage = usageRepo(trx);
        for (const c of counters) await usage.count(c.tenantId, c.month, { sessions: c.sessions, messages: c.messages });
        await usage.recordActives(actives);
      });
    } catch (error) {
      // Kept for the next flush, which waits its interval: a store that is down is not hammered.
      for (const c of counters) this.addCount(c.tenantId, c.month, c);
      for (const a of actives) this.actives.set(activeKey(a), a);
      this.startTimer();
      this.onError(error);
    }
  }
}

const activeKey = (a: Active) => `${a.tenantId}\n${a.month}\n${a.kind}\n${a.subjectId}`;

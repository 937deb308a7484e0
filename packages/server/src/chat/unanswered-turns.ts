import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store/index.js';
import { AGENT_DEFAULTS, agentSettingsOf, type Tenants } from '../tenancy/index.js';

/** After a tenant's turn timeout, this much longer before an unanswered message counts as interrupted. */
export const INTERRUPTED_GRACE_MS = 10_000;
/** How far back (in messages) a node that just started looks for turns interrupted before it. */
const LOOKBACK_MESSAGES = 50_000;
const BATCH_SIZE = 1_000;

export interface UnansweredTurnDeps {
  clock: Clock;
  store: Store;
  tenants: Tenants;
  bus: Bus;
}

/**
 * Finds user messages whose turn died with its node (a crash mid-reply: acknowledged, never
 * answered, never failed) and marks them failed, visibly: the message carries `replyError` in
 * history, and the session's open sockets get the error frame the turn would have sent. A turn
 * still inside its tenant's timeout is left alone. Each sweep reads only what was stored since the
 * previous one (a range of the primary key), plus the turns it found still running.
 */
export class UnansweredTurns {
  private watermark: number | null = null;

  constructor(private readonly deps: UnansweredTurnDeps) {}

  async sweep(): Promise<number> {
    const { store, clock } = this.deps;
    const upto = await store.messages.lastSeq();
    let after = this.watermark ?? Math.max(0, upto - LOOKBACK_MESSAGES);
    let stillRunning: number | null = null;
    let marked = 0;
    for (;;) {
      const batch = await store.messages.listUnanswered(after, upto, BATCH_SIZE);
      for (const message of batch) {
        const timeoutMs = await this.turnTimeoutMsOf(message.tenantId);
        if (message.createdAt > clock.now() - timeoutMs - INTERRUPTED_GRACE_MS) {
          stillRunning ??= message.seq;
          continue;
        }
        if (!(await store.messages.markReplyFailed(message.id, 'AGENT_UNAVAILABLE'))) continue;
        marked++;
        await this.deps.bus.publish({
          type: 'session.frame',
          sessionId: message.sessionId,
          frame: {
            type: 'error',
            code: 'AGENT_UNAVAILABLE',
            message: 'the reply to this message was interrupted; please ask again',
            replyTo: message.id,
            ...(message.clientId !== null ? { id: message.clientId } : {}),
          },
        });
      }
      if (batch.length < BATCH_SIZE) break;
      after = batch[batch.length - 1]!.seq;
    }
    this.watermark = stillRunning !== null ? stillRunning - 1 : upto;
    return marked;
  }

  /** The tenant's turn timeout; the default one for a tenant deleted meanwhile. */
  private async turnTimeoutMsOf(tenantId: string): Promise<number> {
    try {
      return agentSettingsOf(await this.deps.tenants.get(tenantId)).timeoutMs;
    } catch {
      return AGENT_DEFAULTS.timeoutMs;
    }
  }
}

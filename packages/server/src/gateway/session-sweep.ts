import { CLOSE } from '@tessera/protocol';
import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Session, Store } from '../store/index.js';
import type { SocketRegistry } from './socket-registry.js';

const CHUNK = 500;
export const DEGRADED_SWEEP_INTERVAL_MS = 1_000;

type Verdict = readonly [code: number, reason: string] | null;

/** Why a socket of a session at `ver` may no longer stay open, or null if it may. */
function verdict(session: Session | undefined, ver: number | undefined, now: number): Verdict {
  if (!session || session.revokedAt !== null) {
    return session?.revokedReason === 'logout' ? [CLOSE.NORMAL, 'LOGGED_OUT'] : [CLOSE.POLICY_VIOLATION, 'SESSION_REVOKED'];
  }
  if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) return [CLOSE.POLICY_VIOLATION, 'SESSION_REVOKED'];
  if (ver !== undefined && session.ver > ver) return [CLOSE.AUTH_CHANGED, 'AUTH_CHANGED'];
  return null;
}

/** Re-checks every open socket's session against the store and closes those revoked, expired or superseded. */
export async function sweepSockets(registry: SocketRegistry, store: Store, now: number): Promise<number> {
  const sockets = registry.all();
  const ids = [...new Set(sockets.map((socket) => socket.sessionId))];
  const sessions = new Map<string, Session>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const session of await store.sessions.listByIds(ids.slice(i, i + CHUNK))) sessions.set(session.id, session);
  }
  let closed = 0;
  for (const socket of sockets) {
    const outcome = verdict(sessions.get(socket.sessionId), socket.sessionVer, now);
    if (!outcome) continue;
    socket.close(outcome[0], outcome[1]);
    closed++;
  }
  return closed;
}

/**
 * The bus closes a session's sockets on every node when it changes. While the bus
 * may be missing events (Redis down), this re-checks open sockets against the
 * store every second instead, and once more when the bus is back, so a logout or
 * revocation on another node still ends the sockets held here.
 */
export class SocketSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failing = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly registry: SocketRegistry,
    private readonly deps: { bus: Bus; store: Store; clock: Clock; logger: Logger },
    private readonly intervalMs = DEGRADED_SWEEP_INTERVAL_MS,
  ) {
    this.unsubscribe = deps.bus.onReliabilityChange((reliable) => {
      if (reliable) {
        this.stopTimer();
        void this.sweep();
      } else {
        this.startTimer();
      }
    });
    if (!deps.bus.reliable) this.startTimer();
  }

  async sweep(): Promise<void> {
    if (this.running || this.registry.size === 0) return;
    this.running = true;
    try {
      const closed = await sweepSockets(this.registry, this.deps.store, this.deps.clock.now());
      this.failing = false;
      if (closed > 0) this.deps.logger.info({ closed }, 'closed sockets of sessions changed elsewhere');
    } catch (error) {
      // Once per run of failures (the database may be down too): not a line every second.
      if (!this.failing) this.deps.logger.warn({ err: error }, 'socket sweep failed; retrying every second');
      this.failing = true;
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.unsubscribe();
    this.stopTimer();
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

import { closeCodeOf } from '@tessera/protocol';
import type { Bus } from '../bus/index.js';
import type { Logger } from '../logger.js';
import type { Sessions } from '../sessions/index.js';
import type { SocketRegistry } from './socket-registry.js';

export const DEGRADED_SWEEP_INTERVAL_MS = 1_000;

/** Re-checks every open socket's session against the store and closes those revoked, expired or superseded. */
export async function sweepSockets(registry: SocketRegistry, sessions: Pick<Sessions, 'socketEnds'>): Promise<number> {
  const sockets = registry.all();
  const ends = await sessions.socketEnds(sockets);
  let closed = 0;
  sockets.forEach((socket, i) => {
    const reason = ends[i];
    if (!reason) return;
    socket.close(closeCodeOf(reason), reason);
    closed++;
  });
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
    private readonly deps: { bus: Bus; sessions: Sessions; logger: Logger },
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
      const closed = await sweepSockets(this.registry, this.deps.sessions);
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

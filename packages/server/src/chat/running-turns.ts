/** One agent call in flight: its signal, and whether a client's `stop` is what ended it. */
export interface RunningTurn {
  readonly signal: AbortSignal;
  readonly stopped: boolean;
  readonly timedOut: boolean;
  /** Cuts the call short (the reply was too large): neither a stop nor a timeout. */
  abort(): void;
  finish(): void;
}

const STOPPED = 'stopped';
const TIMED_OUT = 'timed out';

/**
 * The agent calls this node has in flight, bounded so a slow agent cannot pile up turns
 * (and their memory) without end. A `stop` names the stored user message; it only stops a turn
 * of the same session.
 */
export class RunningTurns {
  private readonly turns = new Map<string, { sessionId: string; controller: AbortController }>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.turns.size;
  }

  /** A new running turn whose signal also fires after `timeoutMs`; null when the node is at its limit. */
  start(sessionId: string, messageId: string, timeoutMs: number): RunningTurn | null {
    if (this.turns.size >= this.limit) return null;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
    timer.unref();
    this.turns.set(messageId, { sessionId, controller });
    const { signal } = controller;
    return {
      signal,
      get stopped() {
        return signal.aborted && signal.reason === STOPPED;
      },
      get timedOut() {
        return signal.aborted && signal.reason === TIMED_OUT;
      },
      abort: () => controller.abort('cut off'),
      finish: () => {
        clearTimeout(timer);
        if (this.turns.get(messageId)?.controller === controller) this.turns.delete(messageId);
      },
    };
  }

  /** Stops the session's turn answering `messageId`, if this node runs it. */
  stop(sessionId: string, messageId: string): boolean {
    const turn = this.turns.get(messageId);
    if (!turn || turn.sessionId !== sessionId) return false;
    turn.controller.abort(STOPPED);
    return true;
  }
}

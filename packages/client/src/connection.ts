export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Why: a close code's reason, an error code, `logout`, ... */
  reason?: string;
}

/**
 * - `disconnected`: not started, or stopped by `disconnect()`; `connect()` starts it
 * - `connecting`: the first attempt after `connect()`
 * - `connected`: the socket is open and the server has greeted it
 * - `reconnecting`: the socket was lost; waiting (full-jitter backoff) or retrying
 * - `closed`: the session ended (logout, revoked, invalid); `connect()` starts a new one
 */
const ALLOWED: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  disconnected: ['connecting', 'closed'],
  connecting: ['connected', 'reconnecting', 'disconnected', 'closed'],
  connected: ['reconnecting', 'disconnected', 'closed'],
  reconnecting: ['connected', 'disconnected', 'closed'],
  closed: ['connecting'],
};

export interface ConnectionStateMachine {
  readonly state: ConnectionState;
  /** The one way to change state; returns false when already there. */
  transition(next: ConnectionState, reason?: string): boolean;
}

export function createConnectionState(onChange: (change: StateChange) => void): ConnectionStateMachine {
  let state: ConnectionState = 'disconnected';
  return {
    get state() {
      return state;
    },
    transition(next, reason) {
      if (next === state) return false;
      if (!ALLOWED[state].includes(next)) throw new Error(`invalid connection transition ${state} -> ${next}`);
      const previous = state;
      state = next;
      onChange(reason === undefined ? { state, previous } : { state, previous, reason });
      return true;
    },
  };
}

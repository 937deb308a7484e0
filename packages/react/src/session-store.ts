import type { ChatClient, ConnectionState, TesseraError } from '@tessera/client';

/** The connection as a value: its state, and the error it ended (or is failing) on, if any. */
export interface ConnectionSnapshot {
  status: ConnectionState;
  /** The last error the client reported (a dead session, a refused origin...); null again once connected. */
  error: TesseraError | null;
}

export interface SessionStore {
  subscribe(onChange: () => void): () => void;
  snapshot(): ConnectionSnapshot;
}

/** One store per client, listening from its first use for as long as the client lives. */
const stores = new WeakMap<ChatClient, SessionStore>();

export function sessionStoreOf(client: ChatClient): SessionStore {
  let store = stores.get(client);
  if (!store) {
    store = createSessionStore(client);
    stores.set(client, store);
  }
  return store;
}

function createSessionStore(client: ChatClient): SessionStore {
  const listeners = new Set<() => void>();
  let current: ConnectionSnapshot = { status: client.state, error: null };
  const update = (next: Partial<ConnectionSnapshot>) => {
    current = { ...current, ...next };
    for (const listener of [...listeners]) listener();
  };
  client.on('state', ({ state }) => update(state === 'connected' ? { status: state, error: null } : { status: state }));
  client.on('error', (error) => update({ error }));
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    snapshot: () => current,
  };
}

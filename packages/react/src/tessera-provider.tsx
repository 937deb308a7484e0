import { createChatClient, type ChatClient, type ChatClientOptions } from '@tessera/client';
import { useEffect, useState, type ReactNode } from 'react';
import { TesseraContext } from './tessera-context.js';

export type TesseraProviderProps = {
  children?: ReactNode;
  /** Connect on mount (default true); with false, call `useTessera().connect()` yourself. */
  connect?: boolean;
} & ({ client: ChatClient; options?: never } | { options: ChatClientOptions; client?: never });

/**
 * Gives its subtree a chat client: the one you pass, or one made from `options` (once: later
 * changes to `options` are not applied). Connects on mount and disconnects on unmount, so the
 * socket lives exactly as long as the provider; the tokens stay in their storage.
 */
export function TesseraProvider(props: TesseraProviderProps) {
  const [created] = useState(() => props.client ?? createChatClient(props.options!));
  const client = props.client ?? created;
  const connect = props.connect !== false;

  useEffect(() => {
    if (connect) {
      client.connect().catch(() => {
        /* told through the client's `error` event and state: see useSession() */
      });
    }
    return () => client.disconnect();
  }, [client, connect]);

  return <TesseraContext.Provider value={client}>{props.children}</TesseraContext.Provider>;
}

import type { AuthRequiredEvent, ConnectionState } from '@tessera/client';
import { useMemo, useSyncExternalStore } from 'react';
import { createChatStore, type ChatMessage } from './chat-store.js';
import { useSession } from './use-session.js';
import { useTessera } from './tessera-context.js';

export interface TesseraChat {
  /** Oldest first: user messages as sent, replies as they stream in (`status: 'streaming'`), then whole. */
  messages: readonly ChatMessage[];
  conversationId: string | null;
  /** The connection; messages sent while not `connected` are queued and go out on reconnect. */
  status: ConnectionState;
  /** The agent asks for a sign-in first (see `useSession().signIn`); the reply follows the sign-in by itself. */
  authRequired: AuthRequiredEvent | null;
  /** Sends a message; resolves once the server stored it (rejects, and marks it `failed`, if it could not). */
  send(content: string): Promise<void>;
  /** Stops the reply to the user message `messageId`; false when offline. */
  stop(messageId: string): boolean;
}

/**
 * A conversation: `conversationId` to resume one, or none for the session's current one (after a
 * reload, an app restart or a sign-in, the same conversation); its history is loaded once
 * connected. Replies stream in as they are written.
 */
export function useChat(conversationId?: string): TesseraChat {
  const client = useTessera();
  // Nothing happens until subscribed, so a store React makes and drops is no leak.
  const chat = useMemo(() => createChatStore(client, conversationId), [client, conversationId]);
  const snapshot = useSyncExternalStore(chat.subscribe, chat.snapshot);
  const { status } = useSession();
  return { ...snapshot, status, send: chat.send, stop: chat.stop };
}

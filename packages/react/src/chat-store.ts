import type { AssistantMessage, AuthRequiredEvent, ChatClient, DeltaEvent, MessageInfo, TesseraError } from '@tessera/client';

/**
 * - `sending`: not acknowledged yet (queued while offline) · `sent`: stored by the server · `failed`: not stored
 * - `streaming`: a reply arriving a part at a time · `done`: a whole reply · `stopped`: a reply cut short by `stop()`
 */
export type ChatMessageStatus = 'sending' | 'sent' | 'failed' | 'streaming' | 'done' | 'stopped';

export interface ChatMessage {
  /** Stable while the message lives (a React key): the client id of a user message, `reply:{replyTo}` for a reply. */
  key: string;
  role: 'user' | 'assistant';
  content: string;
  status: ChatMessageStatus;
  /** The stored message's id: what replies name in `replyTo`, and what `stop()` takes. */
  messageId?: string;
  /** For a reply: the user message it answers. */
  replyTo?: string;
  /** Why a send failed; on a user message, why its reply failed (`AGENT_UNAVAILABLE`, `AGENT_TIMEOUT`). */
  error?: TesseraError;
}

export interface ChatSnapshot {
  messages: readonly ChatMessage[];
  /** The conversation shown: the one asked for, else the one the first send went to. */
  conversationId: string | null;
  /** The agent asks for a sign-in before it answers; null again once signed in (the reply then comes by itself). */
  authRequired: AuthRequiredEvent | null;
}

export interface ChatStore {
  subscribe(onChange: () => void): () => void;
  snapshot(): ChatSnapshot;
  send(content: string): Promise<void>;
  stop(messageId: string): boolean;
}

let localIds = 0;
/** How many earlier messages of the current conversation `useChat()` shows (as the widget does). */
const HISTORY_LIMIT = 50;

/** One conversation's messages over a chat client's events: what `useChat` renders. */
export function createChatStore(client: ChatClient, conversationId?: string): ChatStore {
  const listeners = new Set<() => void>();
  let current: ChatSnapshot = { messages: [], conversationId: conversationId ?? null, authRequired: null };
  let detach: Array<() => void> = [];
  let loaded = false;

  function update(next: Partial<ChatSnapshot>): void {
    current = { ...current, ...next };
    for (const listener of [...listeners]) listener();
  }
  const ours = (event: { conversationId?: string }) =>
    !current.conversationId || !event.conversationId || event.conversationId === current.conversationId;
  const replaceWhere = (match: (m: ChatMessage) => boolean, change: (m: ChatMessage) => ChatMessage) =>
    current.messages.map((m) => (match(m) ? change(m) : m));

  function upsertReply(replyTo: string, fields: Pick<ChatMessage, 'content' | 'status'>): void {
    const key = `reply:${replyTo}`;
    const exists = current.messages.some((m) => m.key === key);
    const messages = exists
      ? replaceWhere(
          (m) => m.key === key,
          (m) => ({ ...m, ...fields }),
        )
      : [...current.messages, { key, role: 'assistant' as const, replyTo, ...fields }];
    update({ messages });
  }

  const onDelta = (event: DeltaEvent) => {
    if (ours(event)) upsertReply(event.replyTo, { content: event.text, status: 'streaming' });
  };
  const onMessage = (message: AssistantMessage) => {
    if (ours(message)) upsertReply(message.replyTo, { content: message.content, status: message.stopped ? 'stopped' : 'done' });
  };

  /** Once connected: the history of the conversation asked for, else of the session's current one. */
  async function loadHistory(): Promise<void> {
    if (loaded || client.state !== 'connected') return;
    loaded = true;
    const messages = conversationId
      ? (await client.resume(conversationId).catch(() => ({ messages: [] as MessageInfo[] }))).messages
      : await client.history({ limit: HISTORY_LIMIT }).catch(() => [] as MessageInfo[]);
    const known = new Set(current.messages.map((m) => m.messageId ?? m.key));
    const earlier = messages.map(fromHistory).filter((m) => !known.has(m.messageId ?? m.key));
    update({ messages: [...earlier, ...current.messages], conversationId: current.conversationId ?? messages[0]?.conversationId ?? null });
  }

  function attach(): void {
    detach = [
      client.on('delta', onDelta),
      client.on('message', onMessage),
      client.on('auth_required', (event) => ours(event) && update({ authRequired: event })),
      client.on('authenticated', () => update({ authRequired: null })),
      client.on('reply_failed', ({ replyTo, error }) =>
        update({
          messages: replaceWhere(
            (m) => m.messageId === replyTo,
            (m) => ({ ...m, error }),
          ).filter((m) => m.key !== `reply:${replyTo}`),
        }),
      ),
      client.on('state', ({ state }) => state === 'connected' && void loadHistory()),
    ];
    void loadHistory();
  }

  return {
    subscribe(onChange) {
      if (listeners.size === 0) attach();
      listeners.add(onChange);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) for (const undo of detach.splice(0)) undo();
      };
    },
    snapshot: () => current,

    async send(content) {
      const key = `local:${++localIds}`;
      update({ messages: [...current.messages, { key, role: 'user', content, status: 'sending' }] });
      try {
        const ack = await client.send(content, current.conversationId ? { conversationId: current.conversationId } : {});
        update({
          conversationId: current.conversationId ?? ack.conversationId,
          messages: replaceWhere(
            (m) => m.key === key,
            (m) => ({ ...m, status: 'sent', messageId: ack.messageId }),
          ),
        });
      } catch (cause) {
        const error = cause as TesseraError;
        update({
          messages: replaceWhere(
            (m) => m.key === key,
            (m) => ({ ...m, status: 'failed', error }),
          ),
        });
        throw error;
      }
    },

    stop: (messageId) => client.stop(messageId),
  };
}

function fromHistory(message: MessageInfo): ChatMessage {
  if (message.role === 'user') {
    return { key: message.clientId ?? message.id, role: 'user', content: message.content, status: 'sent', messageId: message.id };
  }
  return {
    key: message.replyTo ? `reply:${message.replyTo}` : message.id,
    role: 'assistant',
    content: message.content,
    status: message.stopped ? 'stopped' : 'done',
    messageId: message.id,
    ...(message.replyTo && { replyTo: message.replyTo }),
  };
}

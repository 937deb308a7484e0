import type { MessageInfo } from '@tessera/client';

/**
 * What the conversation on screen holds, as data: which server messages are shown (so
 * history and live messages never show twice), and which of the visitor's messages still
 * wait for the assistant's reply (the typing indicator).
 */
export interface Transcript {
  /** A live assistant message: its question is answered; true when it is not shown yet (now it counts as shown). */
  addReply(message: { id: string; replyTo: string }): boolean;
  /** History or a resumed conversation, merged by id: the messages not shown yet, in order (now they count as shown). */
  merge(messages: readonly MessageInfo[]): MessageInfo[];
  /** The assistant is answering `replyTo` (its reply streams in), or failed to: no longer awaited. */
  answering(replyTo: string): void;
  /** The server stored a message the visitor sent: true when it is shown already (the history brought it first). */
  addSent(messageId: string): boolean;
  /** Some message of the visitor still waits for its reply. */
  readonly awaitingReply: boolean;
  /** A new conversation: nothing shown, nothing awaited. */
  clear(): void;
}

export function createTranscript(): Transcript {
  /** Server message ids on screen. */
  const shown = new Set<string>();
  /** Acknowledged user messages still waiting for the assistant. */
  const awaiting = new Set<string>();
  const replied = new Set<string>();

  const answered = (messageId: string) => {
    replied.add(messageId);
    awaiting.delete(messageId);
  };
  const show = (id: string) => {
    if (shown.has(id)) return false;
    shown.add(id);
    return true;
  };

  return {
    addReply(message) {
      answered(message.replyTo);
      return show(message.id);
    },
    answering: answered,
    merge(messages) {
      const fresh: MessageInfo[] = [];
      for (const message of messages) {
        if (message.role === 'assistant' && message.replyTo) answered(message.replyTo);
        if (show(message.id)) fresh.push(message);
      }
      return fresh;
    },
    addSent(messageId) {
      const alreadyShown = !show(messageId);
      if (!replied.has(messageId)) awaiting.add(messageId);
      return alreadyShown;
    },
    get awaitingReply() {
      return awaiting.size > 0;
    },
    clear() {
      shown.clear();
      awaiting.clear();
      replied.clear();
    },
  };
}

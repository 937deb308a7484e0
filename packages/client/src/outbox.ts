import type { ClientFrame } from '@tessera/protocol';
import type { TesseraError } from './errors.js';

export type MessageFrame = Extract<ClientFrame, { type: 'message' }>;

export interface Ack {
  /** The client id the message was sent with. */
  id: string;
  messageId: string;
  conversationId: string;
}

interface Entry {
  frame: MessageFrame;
  resolve(ack: Ack): void;
  reject(error: TesseraError): void;
}

/**
 * Messages not yet acknowledged, in send order. They are (re)sent on every
 * connect; the server stores a client id once per session and acks a
 * duplicate with the original messageId, so resending never duplicates.
 */
export interface Outbox {
  add(frame: MessageFrame): Promise<Ack>;
  ack(ack: Ack): boolean;
  fail(id: string, error: TesseraError): boolean;
  frames(): MessageFrame[];
  rejectAll(error: TesseraError): void;
  readonly size: number;
}

export function createOutbox(): Outbox {
  const entries = new Map<string, Entry>();
  const settle = (id: string) => {
    const entry = entries.get(id);
    entries.delete(id);
    return entry;
  };
  return {
    add(frame) {
      return new Promise<Ack>((resolve, reject) => entries.set(frame.id, { frame, resolve, reject }));
    },
    ack({ id, messageId, conversationId }) {
      const entry = settle(id);
      entry?.resolve({ id, messageId, conversationId });
      return entry !== undefined;
    },
    fail(id, error) {
      const entry = settle(id);
      entry?.reject(error);
      return entry !== undefined;
    },
    frames: () => [...entries.values()].map((entry) => entry.frame),
    rejectAll(error) {
      for (const id of [...entries.keys()]) settle(id)?.reject(error);
    },
    get size() {
      return entries.size;
    },
  };
}

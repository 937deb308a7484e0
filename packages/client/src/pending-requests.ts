import type { ClientFrame, ServerFrame, ServerFrameType } from '@tessera/protocol';
import type { Clock } from './clock.js';
import { TesseraError } from './errors.js';

interface Pending {
  frame: ClientFrame;
  expect: ServerFrameType;
  /** Safe to send again on a new socket (resume, history); sign-in and refresh are not. */
  resendable: boolean;
  sent: boolean;
  resolve(frame: ServerFrame): void;
  reject(error: TesseraError): void;
}

/**
 * Requests awaiting a reply (resume, history, authenticate). Each is sent with a
 * request id that the server echoes in its reply and in any error frame; a reply
 * without one (an older server) settles the oldest request waiting for its type.
 */
export interface PendingRequests {
  add<T extends ServerFrameType>(
    frame: ClientFrame,
    expect: T,
    resendable: boolean,
  ): { frame: ClientFrame; reply: Promise<Extract<ServerFrame, { type: T }>>; markSent(): void };
  resolve(frame: ServerFrame): boolean;
  /** Rejects the request with this id; false if none has it. */
  reject(requestId: string, error: TesseraError): boolean;
  rejectOldest(error: TesseraError): boolean;
  /** Frames to send on a fresh socket; marks them sent. */
  takeUnsent(): ClientFrame[];
  /** The socket is gone: fail what cannot be resent, queue the rest again. */
  socketLost(error: TesseraError): void;
  rejectAll(error: TesseraError): void;
}

export const REQUEST_ID_PREFIX = 'req-';

export function createPendingRequests(clock: Clock, timeoutMs: number): PendingRequests {
  const queue: Pending[] = [];
  let counter = 0;
  const remove = (pending: Pending) => {
    const index = queue.indexOf(pending);
    if (index >= 0) queue.splice(index, 1);
    return index >= 0;
  };
  return {
    add(request, expect, resendable) {
      const frame = { ...request, id: `${REQUEST_ID_PREFIX}${++counter}` } as ClientFrame;
      let pending!: Pending;
      const reply = new Promise<ServerFrame>((resolve, reject) => {
        const timer = clock.setTimeout(() => {
          if (remove(pending)) reject(new TesseraError('TIMEOUT', `no ${expect} reply in time`));
        }, timeoutMs);
        pending = {
          frame,
          expect,
          resendable,
          sent: false,
          resolve: (value) => {
            clock.clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clock.clearTimeout(timer);
            reject(error);
          },
        };
        queue.push(pending);
      });
      return {
        frame,
        reply: reply as Promise<Extract<ServerFrame, { type: typeof expect }>>,
        markSent: () => {
          pending.sent = true;
        },
      };
    },
    resolve(frame) {
      const id = 'id' in frame ? frame.id : undefined;
      const pending = id?.startsWith(REQUEST_ID_PREFIX)
        ? queue.find((p) => p.sent && (p.frame as { id?: string }).id === id)
        : queue.find((p) => p.sent && p.expect === frame.type);
      if (!pending) return false;
      remove(pending);
      pending.resolve(frame);
      return true;
    },
    reject(requestId, error) {
      const pending = queue.find((p) => (p.frame as { id?: string }).id === requestId);
      if (!pending) return false;
      remove(pending);
      pending.reject(error);
      return true;
    },
    rejectOldest(error) {
      const pending = queue.find((p) => p.sent);
      if (!pending) return false;
      remove(pending);
      pending.reject(error);
      return true;
    },
    takeUnsent() {
      const unsent = queue.filter((p) => !p.sent);
      for (const p of unsent) p.sent = true;
      return unsent.map((p) => p.frame);
    },
    socketLost(error) {
      for (const pending of [...queue]) {
        if (!pending.sent) continue;
        if (pending.resendable) pending.sent = false;
        else {
          remove(pending);
          pending.reject(error);
        }
      }
    },
    rejectAll(error) {
      for (const pending of queue.splice(0)) pending.reject(error);
    },
  };
}

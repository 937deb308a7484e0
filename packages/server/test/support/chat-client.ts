import WebSocket from 'ws';
import { ORIGIN } from './test-server.js';
import { sleep } from './services.js';

export interface ChatOutcome {
  /** client id → stored message id, for every message the server acknowledged. */
  acked: Map<string, string>;
  /** How many times the socket had to be opened again. */
  reconnects: number;
  errors: string[];
}

/**
 * A chat client as a well-behaved SDK would be: sends its messages one after another
 * with stable client ids, and whenever the socket closes or a send fails, reconnects
 * (with the same access token) and sends the unacknowledged message again.
 */
export async function chatResiliently(
  wsUrl: string,
  accessToken: string,
  count: number,
  options: { prefix?: string; deadlineMs?: number; gapMs?: number } = {},
): Promise<ChatOutcome> {
  const prefix = options.prefix ?? 'm';
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const outcome: ChatOutcome = { acked: new Map(), reconnects: -1, errors: [] };
  let socket: WebSocket | null = null;
  let pending: { id: string; resolve: (result: 'ack' | 'retry') => void } | null = null;

  const open = () =>
    new Promise<WebSocket | null>((resolve) => {
      outcome.reconnects++;
      const ws = new WebSocket(wsUrl, ['tessera.v1', `bearer.${accessToken}`], { origin: ORIGIN });
      let ready = false;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'ready') {
          ready = true;
          resolve(ws);
        } else if (frame.type === 'ack' && pending && frame.id === pending.id) {
          outcome.acked.set(frame.id, frame.messageId);
          pending.resolve('ack');
        } else if (frame.type === 'error' && pending && (frame.id === pending.id || frame.id === undefined)) {
          outcome.errors.push(frame.code);
          pending.resolve('retry');
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', (code, reason) => {
        if (!ready) resolve(null);
        else outcome.errors.push(`close ${code} ${reason.toString()}`);
        pending?.resolve('retry');
      });
    });

  for (let i = 0; i < count; ) {
    if (Date.now() > deadline)
      throw new Error(`gave up after ${outcome.acked.size}/${count} acks; errors: ${outcome.errors.slice(-5).join(', ')}`);
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      socket = await open();
      if (!socket) {
        await sleep(100);
        continue;
      }
    }
    const id = `${prefix}-${i}`;
    const result = await new Promise<'ack' | 'retry'>((resolve) => {
      const timer = setTimeout(() => resolve('retry'), 5_000);
      pending = {
        id,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
      socket!.send(JSON.stringify({ type: 'message', id, content: `message ${i}` }));
    });
    pending = null;
    if (result === 'ack') {
      i++;
      if (options.gapMs) await sleep(options.gapMs);
    } else {
      await sleep(150);
    }
  }
  socket?.close();
  return outcome;
}

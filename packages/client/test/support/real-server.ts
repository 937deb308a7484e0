import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { type ChatClient, type ChatClientOptions, createChatClient } from '../../src/chat-client.js';
import type { FetchLike } from '../../src/http.js';
import type { WebSocketConstructor } from '../../src/socket.js';
import { ORIGIN } from '../../../server/test/support/test-server.js';

export { api, ORIGIN, startAnonymousSession, startTestServer, type TestServer } from '../../../server/test/support/test-server.js';

export interface Wire {
  /** Client frames sent, parsed. */
  sent: any[];
  /** Drop the first server frame matching this (e.g. an ack), once. */
  dropOnce(predicate: (frame: any) => boolean): void;
}

/** `ws` and fetch as a page on the allowed origin would use them; `wire` lets a test watch and lose frames. */
export function browserLike(): { WebSocket: WebSocketConstructor; fetch: FetchLike; wire: Wire } {
  const drops: Array<(frame: any) => boolean> = [];
  const wire: Wire = { sent: [], dropOnce: (predicate) => drops.push(predicate) };
  class PageWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { origin: ORIGIN });
    }
    override send(data: any): void {
      wire.sent.push(JSON.parse(String(data)));
      super.send(data);
    }
    // @ts-expect-error ws types the handler narrowly; the client assigns a plain function
    override set onmessage(handler: ((event: { data: unknown }) => void) | null) {
      super.onmessage = handler
        ? (event: WebSocket.MessageEvent) => {
            const frame = JSON.parse(String(event.data));
            const index = drops.findIndex((drop) => drop(frame));
            if (index >= 0) {
              drops.splice(index, 1);
              return;
            }
            handler(event);
          }
        : null;
    }
    override get onmessage() {
      return super.onmessage;
    }
  }
  const fetchFn: FetchLike = (url, init = {}) =>
    fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), origin: ORIGIN } });
  return { WebSocket: PageWebSocket as unknown as WebSocketConstructor, fetch: fetchFn, wire };
}

/** An identity token as the customer's main app would mint it (HS256). */
/** A chat client as a page runs it (one tab, no page events to watch), against `target`. */
export function pageClient(
  target: { url: string; publishableKey: string },
  page: { WebSocket: WebSocketConstructor; fetch: FetchLike },
  options: Partial<ChatClientOptions> = {},
): ChatClient {
  return createChatClient({
    url: target.url,
    publishableKey: target.publishableKey,
    WebSocket: page.WebSocket,
    fetch: page.fetch,
    crossTab: false,
    watchEnvironment: false,
    ...options,
  });
}

export function identityToken(secret: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iat: now, exp: now + 300, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A Storage shared by "tabs" that fires `storage` events like a browser does. */
export function sharedLocalStorage(): { storage: Storage; events: EventTarget } {
  const events = new EventTarget();
  const data = new Map<string, string>();
  const fire = (key: string, newValue: string | null) => {
    const event = Object.assign(new Event('storage'), { key, newValue });
    queueMicrotask(() => events.dispatchEvent(event));
  };
  const storage = {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => {
      if (data.get(key) === value) return;
      data.set(key, value);
      fire(key, value);
    },
    removeItem: (key: string) => {
      if (!data.delete(key)) return;
      fire(key, null);
    },
  } as unknown as Storage;
  return { storage, events };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` passes or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildApp, type AppOptions, type TesseraApp } from '../../src/app.js';
import type { ServerConfigInput } from '../../src/config.js';
import { initialise } from '../../src/tenancy/bootstrap.js';
import type { SettingsPatch } from '../../src/tenancy/settings.js';

export const ORIGIN = 'http://localhost:3000';

/**
 * The issuer of test servers: one for all, as a deployment's nodes share one, so a restart on
 * another port (or a sibling node) accepts the tokens of the first. `config: {issuer: undefined}`
 * for the default (the URL the server listens on).
 */
export const TEST_ISSUER = 'http://tessera.test';

/** Origins that look like ORIGIN and must never pass for it: no prefix, suffix, port or scheme games. */
export const ORIGIN_LOOK_ALIKES = [
  'http://localhost:3000.evil.com',
  'http://evil.com',
  'http://localhost:30000',
  'https://localhost:3000',
  'http://localhost:3000/',
  'null',
];

export interface TestServer {
  app: TesseraApp;
  url: string;
  wsUrl: string;
  dataDir: string;
  tenantId: string;
  secretKey: string;
  publishableKey: string;
  /** Stops the server; keeps the data directory unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
}

export interface TestServerOptions extends AppOptions {
  dataDir?: string;
  config?: Partial<ServerConfigInput>;
  settings?: SettingsPatch;
  port?: number;
  keys?: { tenantId: string; secretKey: string; publishableKey: string };
}

/** A real Tessera on 127.0.0.1 (port 0 by default) over a real SQLite file in a temp directory. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'));
  const app = await buildApp(
    {
      dataDir,
      port: options.port ?? 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      cleanupIntervalMs: 0,
      issuer: TEST_ISSUER,
      ...options.config,
    },
    options,
  );
  let keys = options.keys;
  if (!keys) {
    const result = await initialise(app.services, [ORIGIN]);
    if (!result.created) throw new Error('data directory already initialised: pass keys');
    keys = { tenantId: result.tenantId, secretKey: result.secretKey!, publishableKey: result.publishableKey! };
  }
  if (options.settings) await app.services.tenants.updateSettings(keys.tenantId, options.settings);
  const address = await app.http.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const url = address.replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/v1/ws`,
    dataDir,
    ...keys,
    async stop({ removeData = false } = {}) {
      await app.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP with the browser's Origin unless told otherwise. */
export async function api(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; origin?: string | null } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.origin !== null) headers.origin = options.origin ?? ORIGIN;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(server.url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

export async function startAnonymousSession(server: TestServer) {
  const response = await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey }, body: {} });
  if (response.status !== 201) throw new Error(`session start failed: ${JSON.stringify(response.body)}`);
  return response.body as { accessToken: string; refreshToken: string; expiresAt: number; session: { id: string; anonymousId: string } };
}

/** A real `ws` client that buffers frames so tests can await the next one of a type. */
export class TestSocket {
  readonly frames: any[] = [];
  closeCode: number | null = null;
  closeReason = '';
  /** Headers of the 101 response (e.g. `set-cookie`), once upgraded. */
  upgradeHeaders: Record<string, string | string[] | undefined> = {};
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.once('upgrade', (response) => (this.upgradeHeaders = response.headers));
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.notify();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.notify();
        resolve({ code, reason: this.closeReason });
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first not-yet-taken frame matching `predicate`. */
  async next(predicate: (frame: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(predicate);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for a frame; have ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  nextOfType(type: string, timeoutMs?: number): Promise<any> {
    return this.next((frame) => frame.type === type, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }

  /** Sends a ping frame and waits for the pong: proof the socket is open and served. */
  async roundTrip(): Promise<void> {
    this.send({ type: 'ping' });
    await this.nextOfType('pong');
  }

  /** The HTTP status the upgrade was refused with (throws if the socket opened instead). */
  async refusedStatus(): Promise<number> {
    try {
      await this.opened;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status !== undefined) return status;
      throw error;
    }
    this.ws.terminate();
    throw new Error('the upgrade was accepted');
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

export interface ConnectOptions {
  token?: string;
  key?: string;
  query?: string;
  origin?: string | null;
  headers?: Record<string, string>;
  protocols?: string[];
  /** Answer the server's pings (default true); false simulates a dead peer. */
  autoPong?: boolean;
}

export function connect(server: TestServer, options: ConnectOptions = {}): TestSocket {
  const protocols = options.protocols ?? ['tessera.v1', ...(options.token ? [`bearer.${options.token}`] : [])];
  const params = new URLSearchParams();
  if (options.key) params.set('key', options.key);
  const query = [params.toString(), options.query].filter(Boolean).join('&');
  const ws = new WebSocket(server.wsUrl + (query ? `?${query}` : ''), protocols, {
    ...(options.origin === null ? {} : { origin: options.origin ?? ORIGIN }),
    headers: options.headers,
    autoPong: options.autoPong ?? true,
  });
  return new TestSocket(ws);
}

/** A clock tests move by hand; injected as `config.clock`. Starts at the wall clock unless told. */
export class ManualClock {
  constructor(private current = Date.now()) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }
}

/** A socket of a brand-new anonymous session (`?key=pk`), with its first frame. */
export async function connectAnonymous(server: TestServer, options: ConnectOptions = {}) {
  const socket = connect(server, { key: server.publishableKey, ...options });
  const session = await socket.nextOfType('session');
  return {
    socket,
    session: session as { accessToken: string; refreshToken: string; expiresAt: number; session: { id: string; anonymousId: string } },
  };
}

/** Sends a chat message and waits for its ack and the assistant's reply. */
export async function chat(socket: TestSocket, id: string, content: string) {
  socket.send({ type: 'message', id, content });
  const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === id);
  const reply = await socket.next((frame) => frame.type === 'message' && frame.replyTo === ack.messageId);
  return { ack, reply };
}

/** The value of one cookie among a response's Set-Cookie headers, with its attributes. */
export function setCookie(headers: Headers | string[] | string | undefined, name: string): { value: string; attributes: string[] } | null {
  const all = headers instanceof Headers ? headers.getSetCookie() : Array.isArray(headers) ? headers : headers ? [headers] : [];
  for (const line of all) {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    if (pair.slice(0, index) === name) return { value: decodeURIComponent(pair.slice(index + 1)), attributes };
  }
  return null;
}

/** Waits until `condition` holds (checked every few ms), failing after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildApp, type AppOptions, type TesseraApp } from '../../src/app.js';
import type { ServerConfigInput } from '../../src/config.js';
import { initialise } from '../../src/identity/bootstrap.js';
import type { SettingsPatch } from '../../src/identity/settings.js';

export const ORIGIN = 'http://localhost:3000';

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
    { dataDir, port: options.port ?? 0, host: '127.0.0.1', logLevel: 'silent', cleanupIntervalMs: 0, ...options.config },
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
    wsUrl: url.replace(/^http/, 'ws') + '/v1/ws',
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
  const response = await fetch(server.url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
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
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.notify();
    });
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

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

export function connect(
  server: TestServer,
  options: { token?: string; key?: string; query?: string; origin?: string | null; headers?: Record<string, string>; protocols?: string[] } = {},
): TestSocket {
  const protocols = options.protocols ?? ['tessera.v1', ...(options.token ? [`bearer.${options.token}`] : [])];
  const params = new URLSearchParams();
  if (options.key) params.set('key', options.key);
  const query = [params.toString(), options.query].filter(Boolean).join('&');
  const ws = new WebSocket(server.wsUrl + (query ? `?${query}` : ''), protocols, {
    ...(options.origin === null ? {} : { origin: options.origin ?? ORIGIN }),
    headers: options.headers,
  });
  return new TestSocket(ws);
}

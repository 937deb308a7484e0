import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

/** The metrics listener's own URL: `tessera start --metrics-port` listens on it; here, a free port on loopback. */
const metricsUrls = new WeakMap<TestServer, string>();

async function scrape(server: TestServer): Promise<string> {
  const response = await fetch(metricsUrls.get(server)!);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics (Prometheus)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ settings: { limits: { messagesPerMinute: 2 } } });
    metricsUrls.set(server, `${await server.app.metricsHttp.listen({ port: 0, host: '127.0.0.1' })}/metrics`);
  });

  it('is not served on the public port, to anyone: only on the metrics listener', async () => {
    for (const headers of [{}, { authorization: `Bearer ${server.secretKey}` }]) {
      const response = await fetch(`${server.url}/metrics`, { headers });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('tessera_');
    }
    expect(new URL(metricsUrls.get(server)!).port).not.toBe(new URL(server.url).port);
  });
  afterAll(() => server.stop({ removeData: true }));

  it('counts sockets, handshakes and failures by code, messages, rate limits, refreshes, reuse, and request latency', async () => {
    const session = await startAnonymousSession(server);
    const socket = connect(server, { token: session.accessToken });
    await socket.nextOfType('ready');
    const bad = connect(server, { token: 'not-a-token' });
    await bad.closed;
    for (const id of ['m1', 'm2']) {
      socket.send({ type: 'message', id, content: id });
      await socket.next((f) => f.type === 'ack' && f.id === id);
    }
    socket.send({ type: 'message', id: 'm3', content: 'm3' });
    await socket.next((f) => f.type === 'error' && f.code === 'RATE_LIMITED');

    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(200);
    await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const replay = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(replay.body.error.code).toBe('REFRESH_TOKEN_REUSED');

    const text = await scrape(server);
    expect(value(text, 'tessera_ws_open_sockets')).toBe(0); // the reuse revoked the session, closing its socket
    expect(value(text, 'tessera_ws_handshakes_total{kind="authenticated"}')).toBe(1);
    expect(value(text, 'tessera_ws_handshake_failures_total{code="INVALID_TOKEN"}')).toBe(1);
    expect(value(text, 'tessera_messages_total')).toBe(2);
    expect(value(text, 'tessera_messages_rate_limited_total')).toBe(1);
    expect(value(text, 'tessera_refreshes_total{outcome="rotated"}')).toBe(2);
    expect(value(text, 'tessera_refresh_reuse_detected_total')).toBe(1);
    expect(value(text, 'tessera_bus_reliable')).toBe(1);
    expect(value(text, 'tessera_http_request_duration_seconds_count{method="POST",route="/v1/auth/refresh",status="200"}')).toBe(2);
    expect(text).toMatch(/tessera_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/sessions",status="201"\} \d/);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('reports open sockets while they are open', async () => {
    const session = await startAnonymousSession(server);
    const sockets = [connect(server, { token: session.accessToken }), connect(server, { token: session.accessToken })];
    for (const socket of sockets) await socket.nextOfType('ready');
    expect(value(await scrape(server), 'tessera_ws_open_sockets')).toBe(2);
    for (const socket of sockets) socket.close();
  });
});

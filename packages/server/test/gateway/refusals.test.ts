import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, connectAnonymous, startTestServer, type TestServer } from '../support/test-server.js';

/** Every log call of `level` that reported a refused upgrade. */
function refusalsLogged(server: TestServer, level: 'info' | 'warn') {
  const spy = vi.spyOn(server.app.services.logger, level);
  return () => spy.mock.calls.filter((call) => call[1] === 'websocket handshake refused').map((call) => call[0]);
}

describe('refused upgrades are logged (code, address, Origin; never the URL)', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.stop({ removeData: true });
    server = undefined;
  });

  it('RATE_LIMITED: the per-address socket cap, at warn', async () => {
    server = await startTestServer({ config: { maxConnectionsPerIp: 1 } });
    const warned = refusalsLogged(server, 'warn');
    const { socket } = await connectAnonymous(server);
    expect(await connect(server, { key: server.publishableKey }).refusedStatus()).toBe(429);
    expect(warned()).toEqual([{ code: 'RATE_LIMITED', ip: '127.0.0.1', origin: 'http://localhost:3000', sessionId: undefined }]);
    socket.close();
  });

  it('UNAVAILABLE: 503 while the node shuts down, at info', async () => {
    server = await startTestServer();
    const logged = refusalsLogged(server, 'info');
    server.app.gateway.shutdown();
    expect(await connect(server, { key: server.publishableKey, origin: 'https://elsewhere.example' }).refusedStatus()).toBe(503);
    expect(logged()).toEqual([{ code: 'UNAVAILABLE', ip: '127.0.0.1', origin: 'https://elsewhere.example', sessionId: undefined }]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startTestServer, type TestServer } from './support/test-server.js';

describe('smoke: anonymous chat over the socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('starts a session with a publishable key, acks a stored message and replies', async () => {
    const socket = connect(server, { key: server.publishableKey });
    const session = await socket.nextOfType('session');
    expect(session.session.auth).toBe('anonymous');
    socket.send({ type: 'message', id: 'c1', content: 'who am i' });
    const ack = await socket.nextOfType('ack');
    expect(ack).toMatchObject({ id: 'c1' });
    const reply = await socket.nextOfType('message');
    expect(reply.content).toMatch(/anonymous/);
    expect(reply.replyTo).toBe(ack.messageId);
    socket.close();
  });
});

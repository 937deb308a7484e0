import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from './support/tokens.js';
import { api, chat, connect, connectAnonymous, ManualClock, startTestServer, type TestServer } from './support/test-server.js';

describe('restart on the same data directory', () => {
  const clock = new ManualClock();
  let dataDir = '';
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps sessions, tokens, refresh state, revocations, signing keys and history', async () => {
    const first = await startTestServer({ config: { clock } });
    dataDir = first.dataDir;
    const keys = { tenantId: first.tenantId, secretKey: first.secretKey, publishableKey: first.publishableKey };

    const { socket, session } = await connectAnonymous(first);
    const one = await chat(socket, 'one', 'remember this');
    const two = await chat(socket, 'two', 'and this');
    // a rotated refresh token, a revoked session and a retired signing key, all to survive the restart
    const rotated = await api(first, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(rotated.status).toBe(200);
    const { socket: doomed, session: doomedSession } = await connectAnonymous(first);
    doomed.send({ type: 'logout' });
    await doomed.closed;
    const oldKid = decodeJwt(session.accessToken).header.kid;
    await first.app.services.signingKeys.rotate();

    await first.stop();
    expect(await socket.closed).toEqual({ code: 1012, reason: 'UNAVAILABLE' });

    clock.advance(11_000);
    const second: TestServer = await startTestServer({ dataDir, keys, config: { clock } });
    try {
      // the old access token (signed by the now-retired key) still works, over HTTP and the socket
      const me = await api(second, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } });
      expect(me.status).toBe(200);
      expect(me.body.session).toMatchObject({ id: session.session.id, anonymousId: session.session.anonymousId });
      const jwks = (await api(second, 'GET', '/.well-known/jwks.json')).body;
      expect(jwks.keys.map((key: any) => key.kid)).toContain(oldKid);
      expect(jwks.keys).toHaveLength(2);

      const again = connect(second, { token: session.accessToken });
      await again.nextOfType('ready');
      again.send({ type: 'history' });
      const history = await again.nextOfType('history');
      expect(history.messages.map((message: any) => message.id)).toEqual([
        one.ack.messageId,
        one.reply.id,
        two.ack.messageId,
        two.reply.id,
      ]);
      const three = await chat(again, 'three', 'after the restart');
      expect(three.ack.conversationId).toBe(one.ack.conversationId);
      again.close();

      const messages = await api(second, 'GET', `/v1/conversations/${one.ack.conversationId}/messages`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(messages.body.messages.map((message: any) => message.content).filter((_: string, i: number) => i % 2 === 0)).toEqual([
        'remember this',
        'and this',
        'after the restart',
      ]);

      // the rotated refresh token still rotates (its derivation secret survived) ...
      const next = await api(second, 'POST', '/v1/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } });
      expect(next.status).toBe(200);
      expect(decodeJwt(next.body.accessToken).header.kid).not.toBe(oldKid);
      // ... and the revoked session stays revoked
      const dead = await api(second, 'GET', '/v1/me', { headers: { authorization: `Bearer ${doomedSession.accessToken}` } });
      expect(dead.body.error.code).toBe('SESSION_REVOKED');
      // ... and the keys printed at init still work
      expect(
        (await api(second, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${keys.secretKey}` }, origin: null })).status,
      ).toBe(200);
      // reuse detection remembers what was rotated before the restart
      const reuse = await api(second, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    } finally {
      await second.stop();
    }
  });

  it('stopping mid-conversation: every message that was acked is there after the restart', async () => {
    const first = await startTestServer();
    const keys = { tenantId: first.tenantId, secretKey: first.secretKey, publishableKey: first.publishableKey };
    const { socket, session } = await connectAnonymous(first);
    for (let i = 0; i < 30; i++) socket.send({ type: 'message', id: `burst-${i}`, content: `burst ${i}` });
    await socket.nextOfType('ack');
    await first.stop();
    await socket.closed;
    const acked = socket.frames.filter((frame) => frame.type === 'ack').map((frame) => frame.messageId);

    const second = await startTestServer({ dataDir: first.dataDir, keys });
    try {
      const conversations = await api(second, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${session.accessToken}` } });
      const [conversation] = conversations.body.conversations;
      const stored = await api(second, 'GET', `/v1/conversations/${conversation.id}/messages?limit=200`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      const ids = new Set(stored.body.messages.map((message: any) => message.id));
      for (const id of acked) expect(ids.has(id)).toBe(true);
    } finally {
      await second.stop({ removeData: true });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

describe('tenant-hosted password accounts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const signUp = (email: string, password: string) =>
    api(server, 'POST', '/v1/auth/signup', { headers: { 'x-tessera-key': server.publishableKey }, body: { email, password, name: 'Pat' } });

  it('signs up, then signs in over the socket; the socket stays open as the user', async () => {
    const created = await signUp('pat@example.com', 'correct horse battery');
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ id: 'pat@example.com', name: 'Pat' });
    expect(JSON.stringify(created.body)).not.toContain('argon2');

    const socket = connect(server, { key: server.publishableKey });
    await socket.nextOfType('session');
    socket.send({ type: 'authenticate', method: 'password', email: 'PAT@example.com ', password: 'correct horse battery' });
    const authenticated = await socket.nextOfType('authenticated');
    expect(authenticated.user.id).toBe('pat@example.com');
    socket.send({ type: 'message', id: 'm1', content: 'who am i' });
    expect((await socket.next((f) => f.type === 'message')).content).toMatch(/Pat/);
    socket.close();
  });

  it('answers an existing address as a new one (and keeps its password); refuses a too-short password', async () => {
    const again = await signUp('pat@example.com', 'another long password');
    const fresh = await signUp('fresh@example.com', 'another long password');
    expect(again.status).toBe(fresh.status);
    expect(again.body.user).toEqual({ ...fresh.body.user, id: 'pat@example.com' });
    const short = await signUp('new@example.com', 'short');
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('BAD_REQUEST');
  });

  it('answers an unknown account and a wrong password the same, after about the same work', async () => {
    await signUp('timing@example.com', 'the right password');
    const attempt = async (email: string) => {
      const session = await startAnonymousSession(server);
      const started = performance.now();
      const response = await api(server, 'POST', '/v1/auth/link', {
        headers: { authorization: `Bearer ${session.accessToken}` },
        body: { method: 'password', email, password: 'a wrong password' },
      });
      return { response, ms: performance.now() - started };
    };
    await attempt('warmup@example.com');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await attempt(`nobody${i}@example.com`);
      const b = await attempt('timing@example.com');
      expect(a.response.status).toBe(401);
      expect(b.response.status).toBe(401);
      expect(a.response.body).toEqual(b.response.body);
      expect(a.response.body.error.code).toBe('INVALID_CREDENTIALS');
      unknown.push(a.ms);
      wrong.push(b.ms);
    }
    const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const ratio = median(unknown) / median(wrong);
    // Both paths run one argon2id verification; without the dummy hash the unknown path would be ~100x faster.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('throttles repeated guesses at one account', async () => {
    await signUp('target@example.com', 'target password 123');
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const session = await startAnonymousSession(server);
      const response = await api(server, 'POST', '/v1/auth/link', {
        headers: { authorization: `Bearer ${session.accessToken}` },
        body: { method: 'password', email: 'target@example.com', password: `guess ${i}` },
      });
      codes.push(response.body.error.code);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(codes.slice(0, 10).every((code) => code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(codes.slice(10)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });
});

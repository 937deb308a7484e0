import { afterEach, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../../server/test/support/soft-authenticator.js';
import type { ChatClient } from '../src/chat-client.js';
import { api, browserLike, ORIGIN, startTestServer, type TestServer, pageClient } from './support/real-server.js';

// The SDK's passkey calls against the real server, the authenticator a software one (the
// browser's part, `navigator.credentials`, is the app's: here the test's).

const servers: TestServer[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

function client(server: TestServer) {
  const page = browserLike();
  const chat = pageClient(server, page);
  clients.push(chat);
  return { chat, wire: page.wire };
}

describe('passkeys in the SDK, against the real server', () => {
  it('registers after sign-in, lists and deletes; a new chat signs in with the passkey in-band, keeping its conversation', async () => {
    const server = await startTestServer();
    servers.push(server);
    const authenticator = new SoftAuthenticator(ORIGIN);

    const first = client(server);
    await first.chat.connect();
    await expect(first.chat.passkeyRegistrationOptions()).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada' },
    });
    expect(signup.status).toBe(201);
    await first.chat.authenticate({ email: 'ada@example.com', password: 'correct horse battery staple' });

    const { response } = authenticator.create(await first.chat.passkeyRegistrationOptions());
    const laptop = await first.chat.registerPasskey(response, 'Laptop');
    expect(laptop).toMatchObject({ id: expect.stringMatching(/^pkey_/), name: 'Laptop', lastUsedAt: null });
    const spare = await first.chat.registerPasskey(authenticator.create(await first.chat.passkeyRegistrationOptions()).response);
    expect((await first.chat.listPasskeys()).map((passkey) => passkey.name).sort()).toEqual(['Laptop', 'Passkey']);
    await first.chat.deletePasskey(spare.id);
    expect((await first.chat.listPasskeys()).map((passkey) => passkey.id)).toEqual([laptop.id]);
    await expect(first.chat.deletePasskey(spare.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const second = client(server);
    await second.chat.connect();
    await second.chat.send('hello before signing in');
    const sessionId = second.chat.getCurrentUser()!.sessionId;
    const anonymous = second.chat.tokens.current()!.accessToken;
    const options = await second.chat.passkeyAuthenticationOptions();
    expect(options.rpId).toBe('localhost');
    const signedIn = await second.chat.signInWithPasskey(authenticator.get(options, { credential: authenticator.credentials[0] }));
    expect(signedIn.user).toMatchObject({ id: 'ada@example.com', name: 'Ada' });
    expect(second.chat.getCurrentUser()).toMatchObject({ auth: 'user', userId: 'ada@example.com', sessionId });
    expect(second.chat.state).toBe('connected'); // in-band: the socket stayed open, as Ada's
    expect(second.wire.sent.filter((frame) => frame.type === 'authenticate')).toEqual([
      expect.objectContaining({ method: 'passkey', response: expect.objectContaining({ id: authenticator.credentials[0]!.id }) }),
    ]);
    expect((await second.chat.history()).map((message) => message.content)).toContain('hello before signing in');
    expect((await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${anonymous}` } })).status).toBe(401);

    // A refusal comes back as the server's code.
    const third = client(server);
    await third.chat.connect();
    const stale = authenticator.get(await third.chat.passkeyAuthenticationOptions(), { origin: 'https://evil.example' });
    await expect(third.chat.signInWithPasskey(stale)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(third.chat.getCurrentUser()?.auth).toBe('anonymous');
  });
});

import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import { api, chat, connectAnonymous, ManualClock, startTestServer, type TestServer } from '../support/test-server.js';
import { type ReceivedTurn, TestAgentServer } from './agent-server.js';

const DAY_MS = 24 * 3600 * 1000;

function admin(server: TestServer, method: string, path: string, body?: unknown) {
  return api(server, method, path, { headers: { authorization: `Bearer ${server.secretKey}` }, body, origin: null });
}

/** Whether `secret` signed this request: its signature among the `v1,` ones (at the request's own timestamp). */
function signedBy(secret: string, turn: ReceivedTurn): boolean {
  const headers = turn.headers as Record<string, string>;
  const expected = new Webhook(secret).sign(headers['webhook-id']!, new Date(Number(headers['webhook-timestamp']) * 1000), turn.body);
  return headers['webhook-signature']!.split(' ').includes(expected);
}

describe('agent signing secrets', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let agent: TestAgentServer;

  beforeAll(async () => {
    agent = await TestAgentServer.start();
    // The URL is set behind the API's back (as a CLI or a test might): no secret is made that way.
    server = await startTestServer({ config: { clock }, settings: { agent: { url: agent.url } } });
  });
  afterAll(async () => {
    await server.stop({ removeData: true });
    await agent.stop();
  });

  it('without a signing secret nothing is sent: AGENT_UNAVAILABLE', async () => {
    const { socket } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'unsigned', content: 'hello' });
    expect(await socket.nextOfType('error')).toMatchObject({ code: 'AGENT_UNAVAILABLE', id: 'unsigned' });
    expect(agent.turns).toHaveLength(0);
    socket.close();
  });

  it('shows the secret once, when agent.url is set; stores it only sealed; audits it', async () => {
    const patched = await admin(server, 'PATCH', '/v1/settings', { agent: { url: agent.url, timeoutMs: 10_000 } });
    expect(patched.status).toBe(200);
    const secret: string = patched.body.agent.signingSecret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(patched.body.agent).toMatchObject({ url: agent.url, timeoutMs: 10_000 });

    const again = await admin(server, 'PATCH', '/v1/settings', { agent: { url: agent.url } });
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.body)).not.toContain('whsec_');
    const read = await admin(server, 'GET', '/v1/settings');
    expect(read.body.agent).toMatchObject({ url: agent.url });
    expect(JSON.stringify(read.body)).not.toContain('whsec_');

    const db = inspectDatabase(server.dataDir);
    try {
      const rows = db.rows<{ tenant_id: string; secret_sealed: string; retires_at: number | null }>(
        'select tenant_id, secret_sealed, retires_at from agent_secrets',
      );
      expect(rows).toEqual([{ tenant_id: server.tenantId, secret_sealed: expect.stringMatching(/^v1\./), retires_at: null }]);
      expect(rows[0]!.secret_sealed).not.toContain(secret.slice(6));
      expect(rows[0]!.secret_sealed).not.toContain(Buffer.from(secret.slice(6), 'base64').toString('base64url'));
    } finally {
      db.close();
    }
    const audit = await admin(server, 'GET', '/v1/audit?action=agent_secret.created');
    expect(audit.body.entries).toEqual([expect.objectContaining({ action: 'agent_secret.created', target: server.tenantId })]);
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');

    agent.secrets = [secret];
    const { socket } = await connectAnonymous(server);
    expect((await chat(socket, 'signed', 'hello')).reply.content).toBe('ok');
    expect(agent.turns.at(-1)!.verifiedWith).toEqual([secret]);
    socket.close();
  });

  it('a rotation makes a new secret; both sign for 24 h, then only the new one', async () => {
    const old = agent.secrets[0]!;
    const rotated = await admin(server, 'POST', '/v1/settings/agent/rotate-secret');
    expect(rotated.status).toBe(201);
    const { signingSecret, previousSecretExpiresAt } = rotated.body;
    expect(signingSecret).toMatch(/^whsec_/);
    expect(signingSecret).not.toBe(old);
    expect(previousSecretExpiresAt).toBe(clock.now() + DAY_MS);
    const audit = await admin(server, 'GET', '/v1/audit?action=agent_secret.rotated');
    expect(audit.body.entries).toHaveLength(1);
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');

    // An agent that knows only the old secret, and one that knows only the new one, both verify.
    agent.secrets = [old, signingSecret];
    const first = await connectAnonymous(server);
    await chat(first.socket, 'both', 'hello');
    let turn = agent.turns.at(-1)!;
    expect(String(turn.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(turn.verifiedWith).toEqual([old, signingSecret]);
    first.socket.close();

    clock.advance(DAY_MS - 60_000);
    const later = await connectAnonymous(server);
    await chat(later.socket, 'still-both', 'hello');
    turn = agent.turns.at(-1)!;
    expect([signedBy(old, turn), signedBy(signingSecret, turn)]).toEqual([true, true]);
    later.socket.close();

    clock.advance(60_001);
    const after = await connectAnonymous(server);
    await chat(after.socket, 'new-only', 'hello');
    turn = agent.turns.at(-1)!;
    expect(String(turn.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect([signedBy(old, turn), signedBy(signingSecret, turn)]).toEqual([false, true]);
    after.socket.close();
  });
});

import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { conversation, message, seedSession, T0, uid, user, useStore } from './fixtures.js';

describe.each(backends)('store ($name): agents (sign-in methods, stopped replies, pending turns, signing secrets)', (backend) => {
  const suite = useStore(backend);

  it('records how and when a session signed in, and re-authentication keeps its version', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const u = user(tenant.id);
    await store.users.insert(u);
    expect(await store.sessions.assignUser(session.id, u.id, session.ver, T0 + 1_000, T0 + 86_400_000, ['jwt'])).toBe(true);
    expect(await store.sessions.get(session.id)).toMatchObject({ userId: u.id, ver: 2, authTime: T0 + 1_000, amr: ['jwt'] });

    expect(await store.sessions.reauthenticate(session.id, u.id, T0 + 5_000, ['pwd'])).toBe(true);
    expect(await store.sessions.get(session.id)).toMatchObject({ ver: 2, authTime: T0 + 5_000, amr: ['pwd'] });
    // Only the session's own user re-authenticates, and only a live session.
    expect(await store.sessions.reauthenticate(session.id, 'usr_other', T0 + 6_000, ['pwd'])).toBe(false);
    await store.sessions.revoke(session.id, T0 + 7_000, 'logout');
    expect(await store.sessions.reauthenticate(session.id, u.id, T0 + 8_000, ['pwd'])).toBe(false);
  });

  it('marks a reply stopped, and reads a message by id', async () => {
    const { store } = suite;
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const reply = message(c, { role: 'assistant', clientId: null });
    await store.messages.insertMany([reply]);
    expect((await store.messages.get(reply.id))?.stopped).toBeUndefined();
    await store.messages.markStopped(reply.id);
    expect(await store.messages.get(reply.id)).toMatchObject({ id: reply.id, stopped: true });
    const [listed] = await store.messages.listByConversation(c.id, { limit: 10 });
    expect(listed.stopped).toBe(true);
  });

  it('keeps one pending turn per session, and exactly one of two concurrent takers gets it', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const base = { sessionId: session.id, tenantId: tenant.id, conversationId: uid('conv'), maxAgeSeconds: null, createdAt: T0 };
    await store.pendingTurns.put({ ...base, messageId: 'msg_first' });
    await store.pendingTurns.put({ ...base, messageId: 'msg_latest', maxAgeSeconds: 60 });
    expect(await store.pendingTurns.get(session.id)).toMatchObject({ messageId: 'msg_latest', maxAgeSeconds: 60 });

    const other = await suite.sibling();
    const taken = await Promise.all([store.pendingTurns.take(session.id), other.pendingTurns.take(session.id)]);
    expect(taken.filter((turn) => turn !== null)).toHaveLength(1);
    expect(await store.pendingTurns.get(session.id)).toBeNull();
  });

  it('rotates signing secrets: the previous one signs until it retires', async () => {
    const { store } = suite;
    const { tenant } = await seedSession(store);
    const secret = (id: string, createdAt: number) => ({
      id,
      tenantId: tenant.id,
      secretSealed: `sealed-${id}`,
      createdAt,
      retiresAt: null,
    });
    await store.agentSecrets.rotate(secret(uid('whsec'), T0), T0);
    const second = secret(uid('whsec'), T0 + 1_000);
    await store.agentSecrets.rotate(second, T0 + 1_000 + 86_400_000);
    const live = await store.agentSecrets.listLive(tenant.id, T0 + 2_000);
    expect(live.map((s) => s.createdAt)).toEqual([T0 + 1_000, T0]);
    expect(live[1].retiresAt).toBe(T0 + 1_000 + 86_400_000);
    expect((await store.agentSecrets.listLive(tenant.id, T0 + 1_000 + 86_400_000)).map((s) => s.id)).toEqual([second.id]);
  });
});

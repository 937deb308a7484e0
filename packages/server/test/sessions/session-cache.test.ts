import { describe, expect, it } from 'vitest';
import { CLOSE } from '@tessera/protocol';
import { SessionCache } from '../../src/sessions/session-cache.js';
import { sweepSockets } from '../../src/gateway/session-sweep.js';
import { SocketRegistry } from '../../src/gateway/socket-registry.js';
import { readSocketEnds } from '../../src/sessions/index.js';
import { backends } from '../support/backends.js';
import { seedSession, T0, useStore } from '../store/fixtures.js';

describe.each(backends)('session cache and socket sweep ($name)', (backend) => {
  const { store } = useStore(backend);

  it('serves from memory while trusted, from the store while not', async () => {
    const { session } = await seedSession(store);
    const cache = new SessionCache(store);
    expect((await cache.get(session.id))?.revokedAt).toBeNull();
    await store.sessions.revoke(session.id, T0 + 1, 'logout'); // another node, unheard of
    expect((await cache.get(session.id))?.revokedAt).toBeNull(); // trusted: cached

    cache.setTrusted(false);
    expect((await cache.get(session.id))?.revokedAt).toBe(T0 + 1);
    cache.remember({ ...session }); // ignored while untrusted
    expect((await cache.get(session.id))?.revokedAt).toBe(T0 + 1);

    cache.setTrusted(true);
    expect((await cache.get(session.id))?.revokedAt).toBe(T0 + 1);
  });

  it('does not cache what a load read if an invalidation raced it', async () => {
    const { session } = await seedSession(store);
    const cache = new SessionCache(store);
    const loading = cache.get(session.id);
    cache.invalidate(session.id); // the event arrives while the query is in flight
    await loading;
    await store.sessions.revoke(session.id, T0 + 2, 'revoked');
    expect((await cache.get(session.id))?.revokedAt).toBe(T0 + 2);
  });

  it('sweeps: closes sockets of revoked, logged-out, missing, expired or superseded sessions only', async () => {
    const now = T0 + 1000;
    const live = (await seedSession(store)).session;
    const loggedOut = (await seedSession(store)).session;
    const revoked = (await seedSession(store)).session;
    const expired = (await seedSession(store, { idleExpiresAt: now - 1 })).session;
    const relinked = (await seedSession(store)).session;
    await store.sessions.revoke(loggedOut.id, T0, 'logout');
    await store.sessions.revoke(revoked.id, T0, 'refresh_token_reused');
    await store.sessions.assignUser(relinked.id, 'usr_x', 1, T0, now + 10_000);

    const closed = new Map<string, [number, string]>();
    const registry = new SocketRegistry();
    const socket = (sessionId: string, sessionVer = 1) => ({
      socketId: `s_${sessionId}_${sessionVer}`,
      sessionId,
      sessionVer,
      close: (code: number, reason: string) => closed.set(`s_${sessionId}_${sessionVer}`, [code, reason]),
    });
    for (const s of [
      socket(live.id),
      socket(loggedOut.id),
      socket(revoked.id),
      socket(expired.id),
      socket(relinked.id),
      socket(relinked.id, 2),
      socket('sess_gone'),
    ]) {
      registry.add(s);
    }
    expect(await sweepSockets(registry, { socketEnds: (sockets) => readSocketEnds(store, sockets, now) })).toBe(5);
    expect(closed.get(`s_${loggedOut.id}_1`)).toEqual([CLOSE.NORMAL, 'LOGGED_OUT']);
    expect(closed.get(`s_${revoked.id}_1`)).toEqual([CLOSE.POLICY_VIOLATION, 'SESSION_REVOKED']);
    expect(closed.get(`s_${expired.id}_1`)).toEqual([CLOSE.POLICY_VIOLATION, 'SESSION_REVOKED']);
    expect(closed.get(`s_${relinked.id}_1`)).toEqual([CLOSE.AUTH_CHANGED, 'AUTH_CHANGED']);
    expect(closed.get('s_sess_gone_1')).toEqual([CLOSE.POLICY_VIOLATION, 'SESSION_REVOKED']);
    expect(closed.has(`s_${live.id}_1`)).toBe(false);
    expect(closed.has(`s_${relinked.id}_2`)).toBe(false);
  });
});

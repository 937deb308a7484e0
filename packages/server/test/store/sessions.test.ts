import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { refreshToken, seedSession, session, T0, tenant, uid, useStore } from './fixtures.js';

describe.each(backends)('store ($name): sessions and refresh tokens', (backend) => {
  const { store, sibling } = useStore(backend);

  describe('sessions', () => {
    it('round-trips every field, numbers as numbers', async () => {
      const { session: s } = await seedSession(store, { userId: 'usr_x', ver: 3, revokedAt: null });
      const stored = await store.sessions.get(s.id);
      expect(stored).toEqual(s);
      for (const field of ['ver', 'createdAt', 'lastSeenAt', 'idleExpiresAt', 'absoluteExpiresAt'] as const) {
        expect(typeof stored![field]).toBe('number');
      }
      expect(await store.sessions.get('sess_missing')).toBeNull();
    });

    it('lists by ids, skipping unknown ones', async () => {
      const { session: a } = await seedSession(store);
      const { session: b } = await seedSession(store);
      expect((await store.sessions.listByIds([a.id, b.id, 'sess_missing'])).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.sessions.listByIds([])).toEqual([]);
    });

    it('lists by user (newest first) and by anonymous id', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const userId = uid('usr');
      const anonymousId = uid('anon');
      const older = session(t.id, { userId, createdAt: T0 + 1, anonymousId });
      const newer = session(t.id, { userId, createdAt: T0 + 2 });
      const sameBrowser = session(t.id, { anonymousId });
      for (const s of [older, newer, sameBrowser]) await store.sessions.insert(s);
      expect((await store.sessions.listByUser(userId)).map((s) => s.id)).toEqual([newer.id, older.id]);
      expect((await store.sessions.listByAnonymousId(anonymousId)).map((s) => s.id).sort()).toEqual([older.id, sameBrowser.id].sort());
    });

    it('touches a live session only', async () => {
      const { session: live } = await seedSession(store);
      await store.sessions.touch(live.id, T0 + 5, T0 + 999);
      expect(await store.sessions.get(live.id)).toMatchObject({ lastSeenAt: T0 + 5, idleExpiresAt: T0 + 999 });
      const { session: dead } = await seedSession(store, { revokedAt: T0, revokedReason: 'logout' });
      await store.sessions.touch(dead.id, T0 + 5, T0 + 999);
      expect(await store.sessions.get(dead.id)).toMatchObject({ lastSeenAt: T0, idleExpiresAt: dead.idleExpiresAt });
    });

    it('revokes once, bumping the version', async () => {
      const { session: s } = await seedSession(store);
      expect(await store.sessions.revoke(s.id, T0 + 1, 'logout')).toBe(true);
      expect(await store.sessions.revoke(s.id, T0 + 2, 'again')).toBe(false);
      expect(await store.sessions.get(s.id)).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'logout', ver: 2 });
    });

    it('assigns a user only at the expected version of a live session', async () => {
      const { session: s } = await seedSession(store);
      expect(await store.sessions.assignUser(s.id, 'usr_a', 2, T0 + 1, T0 + 100)).toBe(false);
      expect(await store.sessions.assignUser(s.id, 'usr_a', 1, T0 + 1, T0 + 100)).toBe(true);
      expect(await store.sessions.assignUser(s.id, 'usr_b', 1, T0 + 1, T0 + 100)).toBe(false);
      expect(await store.sessions.get(s.id)).toMatchObject({ userId: 'usr_a', ver: 2, lastSeenAt: T0 + 1, idleExpiresAt: T0 + 100 });
      await store.sessions.revoke(s.id, T0 + 2, 'revoked');
      expect(await store.sessions.assignUser(s.id, 'usr_a', 3, T0 + 3, T0 + 100)).toBe(false);
    });

    it('of concurrent links at one version exactly one wins', async () => {
      const { session: s } = await seedSession(store);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.sessions.assignUser(s.id, `usr_${i}`, 1, T0 + 1, T0 + 100)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lists idle-expired, absolutely expired and long-revoked sessions, then deletes them', async () => {
      const now = T0 + 10_000_000_000;
      const t = tenant();
      await store.tenants.insert(t);
      const idle = session(t.id, { idleExpiresAt: now - 1, absoluteExpiresAt: now + 1000 });
      const absolute = session(t.id, { userId: 'usr_q', idleExpiresAt: now + 1000, absoluteExpiresAt: now });
      const revokedLongAgo = session(t.id, { idleExpiresAt: now + 1000, absoluteExpiresAt: now + 1000, revokedAt: now - 5000 });
      const revokedJustNow = session(t.id, { idleExpiresAt: now + 1000, absoluteExpiresAt: now + 1000, revokedAt: now - 10 });
      const live = session(t.id, { idleExpiresAt: now + 1000, absoluteExpiresAt: now + 1000 });
      for (const s of [idle, absolute, revokedLongAgo, revokedJustNow, live]) await store.sessions.insert(s);
      const expired = await store.sessions.listExpired(now, now - 1000, 1000);
      const ids = expired.map((e) => e.id);
      expect(ids).toEqual(expect.arrayContaining([idle.id, absolute.id, revokedLongAgo.id]));
      expect(ids).not.toContain(revokedJustNow.id);
      expect(ids).not.toContain(live.id);
      expect(expired.find((e) => e.id === absolute.id)?.userId).toBe('usr_q');
      expect(await store.sessions.listExpired(now, now - 1000, 1)).toHaveLength(1);
      expect(await store.sessions.deleteMany([idle.id, absolute.id])).toBe(2);
      expect(await store.sessions.deleteMany([])).toBe(0);
      expect(await store.sessions.get(idle.id)).toBeNull();
    });
  });

  describe('refresh tokens', () => {
    it('round-trips every field', async () => {
      const { session: s } = await seedSession(store);
      const token = refreshToken(s.id, { parentId: 'rt_parent' });
      await store.refreshTokens.insert(token);
      expect(await store.refreshTokens.get(token.id)).toEqual(token);
      expect(await store.refreshTokens.get('rt_missing')).toBeNull();
    });

    it('claims a rotation once: current → rotated with its child and time', async () => {
      const { session: s } = await seedSession(store);
      const token = refreshToken(s.id);
      await store.refreshTokens.insert(token);
      expect(await store.refreshTokens.claimRotation(token.id, 'rt_child1', T0 + 5)).toBe(true);
      expect(await store.refreshTokens.claimRotation(token.id, 'rt_child2', T0 + 6)).toBe(false);
      expect(await store.refreshTokens.get(token.id)).toMatchObject({ state: 'rotated', childId: 'rt_child1', rotatedAt: T0 + 5 });
      expect(await store.refreshTokens.claimRotation('rt_missing', 'rt_child', T0)).toBe(false);
    });

    it('20 concurrent claims of one token: exactly one true', async () => {
      const { session: s } = await seedSession(store);
      const token = refreshToken(s.id);
      await store.refreshTokens.insert(token);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.refreshTokens.claimRotation(token.id, `rt_child${i}`, T0 + i)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.refreshTokens.get(token.id))!.childId).toBe(`rt_child${winner}`);
    });

    it('20 concurrent rotations (claim + child insert in a transaction) mint exactly one child', async () => {
      const { session: s } = await seedSession(store);
      const token = refreshToken(s.id);
      await store.refreshTokens.insert(token);
      const rotate = (i: number) =>
        store.transaction(async (tx) => {
          const childId = `rt_${uid('c')}_${i}`;
          if (!(await tx.refreshTokens.claimRotation(token.id, childId, T0 + 1))) return null;
          await tx.refreshTokens.insert(refreshToken(s.id, { id: childId, parentId: token.id }));
          return childId;
        });
      const children = (await Promise.all(Array.from({ length: 20 }, (_, i) => rotate(i)))).filter((id) => id !== null);
      expect(children).toHaveLength(1);
      expect((await store.refreshTokens.get(token.id))!.childId).toBe(children[0]);
      expect(await store.refreshTokens.get(children[0]!)).toMatchObject({ state: 'current', parentId: token.id });
    });

    it.runIf(backend.name === 'postgres')('20 concurrent claims from two nodes (two pools): exactly one true', async () => {
      const other = await sibling();
      const { session: s } = await seedSession(store);
      const token = refreshToken(s.id);
      await store.refreshTokens.insert(token);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).refreshTokens.claimRotation(token.id, `rt_child${i}`, T0 + i)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('revokes every token of a session and deletes by session', async () => {
      const { session: s } = await seedSession(store);
      const { session: other } = await seedSession(store);
      const a = refreshToken(s.id, { state: 'rotated', childId: 'x' });
      const b = refreshToken(s.id);
      const c = refreshToken(other.id);
      for (const t of [a, b, c]) await store.refreshTokens.insert(t);
      await store.refreshTokens.revokeSession(s.id);
      expect((await store.refreshTokens.get(a.id))!.state).toBe('revoked');
      expect((await store.refreshTokens.get(b.id))!.state).toBe('revoked');
      expect((await store.refreshTokens.get(c.id))!.state).toBe('current');
      expect(await store.refreshTokens.claimRotation(b.id, 'rt_late', T0)).toBe(false);
      expect(await store.refreshTokens.deleteBySessions([s.id])).toBe(2);
      expect(await store.refreshTokens.deleteBySessions([])).toBe(0);
      expect(await store.refreshTokens.get(c.id)).not.toBeNull();
    });
  });
});

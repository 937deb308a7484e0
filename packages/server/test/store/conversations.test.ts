import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { conversation, message, seedSession, session, T0, uid, useStore } from './fixtures.js';

describe.each(backends)('store ($name): conversations and messages', (backend) => {
  const { store } = useStore(backend);

  describe('conversations', () => {
    it('round-trips and finds the latest of a session', async () => {
      const { session: s } = await seedSession(store);
      expect(await store.conversations.latestOfSession(s.id)).toBeNull();
      const older = conversation(s, { updatedAt: T0 + 1 });
      const newer = conversation(s, { updatedAt: T0 + 2 });
      await store.conversations.insert(older);
      await store.conversations.insert(newer);
      expect(await store.conversations.get(older.id)).toEqual(older);
      expect(await store.conversations.get('conv_missing')).toBeNull();
      expect((await store.conversations.latestOfSession(s.id))?.id).toBe(newer.id);
    });

    it('summarises: message count and the first user message as preview', async () => {
      const { session: s } = await seedSession(store);
      const c = conversation(s);
      await store.conversations.insert(c);
      expect(await store.conversations.summary(c.id)).toMatchObject({ id: c.id, messageCount: 0, preview: null });
      await store.messages.insertMany([
        message(c, { content: 'first question' }),
        message(c, { role: 'assistant', clientId: null, content: 'answer' }),
        message(c, { content: 'second question' }),
      ]);
      const summary = await store.conversations.summary(c.id);
      expect(summary).toMatchObject({ messageCount: 3, preview: 'first question' });
      expect(typeof summary!.messageCount).toBe('number');
      expect(await store.conversations.summary('conv_missing')).toBeNull();
    });

    it('lists by session and by user, most recently updated first', async () => {
      const { session: s, tenant: t } = await seedSession(store);
      const userId = uid('usr');
      const other = session(t.id, { userId });
      await store.sessions.insert(other);
      const a = conversation(s, { updatedAt: T0 + 1 });
      const b = conversation(s, { updatedAt: T0 + 3 });
      const c = conversation(other, { updatedAt: T0 + 2 });
      for (const x of [a, b, c]) await store.conversations.insert(x);
      expect((await store.conversations.listBySession(s.id)).map((x) => x.id)).toEqual([b.id, a.id]);
      expect((await store.conversations.listByUser(userId)).map((x) => x.id)).toEqual([c.id]);
      expect(await store.conversations.assignSessionToUser(s.id, userId)).toBe(2);
      expect((await store.conversations.listByUser(userId)).map((x) => x.id)).toEqual([b.id, c.id, a.id]);
    });

    it('touches many at once', async () => {
      const { session: s } = await seedSession(store);
      const a = conversation(s);
      const b = conversation(s);
      const untouched = conversation(s);
      for (const x of [a, b, untouched]) await store.conversations.insert(x);
      await store.conversations.touchMany([a.id, b.id], T0 + 50);
      await store.conversations.touchMany([], T0 + 60);
      expect((await store.conversations.get(a.id))!.updatedAt).toBe(T0 + 50);
      expect((await store.conversations.get(b.id))!.updatedAt).toBe(T0 + 50);
      expect((await store.conversations.get(untouched.id))!.updatedAt).toBe(T0);
    });

    it('lists what an erasure must remove: a user’s and some sessions’ conversations', async () => {
      const { session: s, tenant: t } = await seedSession(store);
      const userId = uid('usr');
      const signedIn = session(t.id, { userId });
      const unrelated = session(t.id);
      for (const x of [signedIn, unrelated]) await store.sessions.insert(x);
      const mine = conversation(signedIn, { createdAt: T0 + 1 });
      const anon = conversation(s, { createdAt: T0 + 2 });
      const theirs = conversation(unrelated);
      for (const x of [mine, anon, theirs]) await store.conversations.insert(x);
      expect((await store.conversations.listByUserOrSessions(userId, [s.id])).map((x) => x.id)).toEqual([mine.id, anon.id]);
      expect((await store.conversations.listByUserOrSessions(null, [s.id])).map((x) => x.id)).toEqual([anon.id]);
      expect(await store.conversations.listByUserOrSessions(null, [])).toEqual([]);
      expect(await store.conversations.deleteByIds([mine.id])).toBe(1);
      expect(await store.conversations.deleteByIds([])).toBe(0);
      expect(await store.conversations.deleteBySessions([s.id])).toBe(1);
      expect(await store.conversations.deleteBySessions([])).toBe(0);
      expect(await store.conversations.get(theirs.id)).not.toBeNull();
    });
  });

  describe('messages', () => {
    it('inserts many in one statement and returns the ids stored', async () => {
      const { session: s } = await seedSession(store);
      const c = conversation(s);
      await store.conversations.insert(c);
      const batch = [message(c), message(c, { role: 'assistant', clientId: null, replyTo: 'msg_x' }), message(c)];
      const inserted = await store.messages.insertMany(batch);
      expect([...inserted].sort()).toEqual(batch.map((m) => m.id).sort());
      expect(await store.messages.insertMany([])).toEqual(new Set());
      expect(await store.messages.listByConversation(c.id, { limit: 10 })).toEqual(batch);
    });

    it('dedupes by (session_id, client_id): across batches, inside one batch, and concurrently', async () => {
      const { session: s } = await seedSession(store);
      const { session: other } = await seedSession(store);
      const c = conversation(s);
      const d = conversation(other);
      await store.conversations.insert(c);
      await store.conversations.insert(d);
      const first = message(c, { clientId: 'c1' });
      expect(await store.messages.insertMany([first])).toEqual(new Set([first.id]));

      const again = message(c, { clientId: 'c1' });
      const fresh = message(c, { clientId: 'c2' });
      const sameClientIdOtherSession = message(d, { clientId: 'c1' });
      const inserted = await store.messages.insertMany([again, fresh, sameClientIdOtherSession]);
      expect(inserted).toEqual(new Set([fresh.id, sameClientIdOtherSession.id]));

      const twinA = message(c, { clientId: 'c3' });
      const twinB = message(c, { clientId: 'c3' });
      expect(await store.messages.insertMany([twinA, twinB])).toEqual(new Set([twinA.id]));

      // Assistant messages carry no client id and are never deduplicated.
      const replies = [message(c, { role: 'assistant', clientId: null }), message(c, { role: 'assistant', clientId: null })];
      expect((await store.messages.insertMany(replies)).size).toBe(2);

      const racers = Array.from({ length: 10 }, () => message(c, { clientId: 'c4' }));
      const results = await Promise.all(racers.map((m) => store.transaction((tx) => tx.messages.insertMany([m]))));
      expect(results.filter((ids) => ids.size === 1)).toHaveLength(1);

      expect((await store.messages.findByClientId(s.id, 'c1'))?.id).toBe(first.id);
      expect(await store.messages.findByClientId(s.id, 'nope')).toBeNull();
      const stored = await store.messages.listByConversations([c.id]);
      expect(stored.filter((m) => m.clientId === 'c1')).toHaveLength(1);
      expect(stored.filter((m) => m.clientId === 'c4')).toHaveLength(1);
    });

    it('pages a conversation: the newest `limit` before a message, in order', async () => {
      const { session: s } = await seedSession(store);
      const c = conversation(s);
      await store.conversations.insert(c);
      const all = Array.from({ length: 7 }, (_, i) => message(c, { content: `m${i}`, createdAt: T0 + i }));
      for (const m of all) await store.messages.insertMany([m]);
      expect((await store.messages.listByConversation(c.id, { limit: 3 })).map((m) => m.content)).toEqual(['m4', 'm5', 'm6']);
      expect((await store.messages.listByConversation(c.id, { limit: 3, beforeId: all[4]!.id })).map((m) => m.content)).toEqual([
        'm1',
        'm2',
        'm3',
      ]);
      expect((await store.messages.listByConversation(c.id, { limit: 10, beforeId: all[1]!.id })).map((m) => m.content)).toEqual(['m0']);
      const first = (await store.messages.listByConversation(c.id, { limit: 1 }))[0]!;
      expect(typeof first.createdAt).toBe('number');
    });

    it('lists by conversations in insertion order', async () => {
      const { session: s } = await seedSession(store);
      const c = conversation(s);
      const c2 = conversation(s);
      await store.conversations.insert(c);
      await store.conversations.insert(c2);
      const a = message(c, { content: 'a' });
      const b = message(c2, { content: 'b' });
      const z = message(c, { content: 'z' });
      for (const m of [a, b, z]) await store.messages.insertMany([m]);
      expect((await store.messages.listByConversations([c2.id, c.id])).map((m) => m.content)).toEqual(['a', 'b', 'z']);
      expect(await store.messages.listByConversations([])).toEqual([]);
    });

    it('counts a tenant’s messages in a time window', async () => {
      const { session: s, tenant: t } = await seedSession(store);
      const c = conversation(s);
      await store.conversations.insert(c);
      await store.messages.insertMany([
        message(c, { createdAt: T0 - 1 }),
        message(c, { createdAt: T0 }),
        message(c, { createdAt: T0 + 99 }),
        message(c, { createdAt: T0 + 100 }),
      ]);
      const n = await store.messages.countByTenantSince(t.id, T0, T0 + 100);
      expect(n).toBe(2);
      expect(typeof n).toBe('number');
    });

    it('deletes by conversations and past retention in batches', async () => {
      const { session: s, tenant: t } = await seedSession(store);
      const { session: other } = await seedSession(store);
      const c = conversation(s);
      const c2 = conversation(s);
      const d = conversation(other);
      for (const x of [c, c2, d]) await store.conversations.insert(x);
      await store.messages.insertMany([message(c), message(c2), message(d)]);
      expect(await store.messages.deleteByConversations([c2.id])).toBe(1);
      expect(await store.messages.deleteByConversations([])).toBe(0);
      expect(await store.messages.deleteByConversations([c.id])).toBe(1);
      expect(await store.messages.listByConversations([c.id, c2.id, d.id])).toHaveLength(1);

      const e = conversation(s);
      await store.conversations.insert(e);
      await store.messages.insertMany(Array.from({ length: 5 }, (_, i) => message(e, { createdAt: T0 + i })));
      expect(await store.messages.deleteOlderThan(t.id, T0 + 4, 3)).toBe(3);
      expect(await store.messages.deleteOlderThan(t.id, T0 + 4, 3)).toBe(1);
      expect(await store.messages.deleteOlderThan(t.id, T0 + 4, 3)).toBe(0);
      expect(await store.messages.listByConversation(e.id, { limit: 10 })).toHaveLength(1);
    });
  });
});

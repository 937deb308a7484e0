import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { conversation, message, refreshToken, seedSession, T0, useStore } from './fixtures.js';

const MONTH = '2027-01';

async function seedConversationIn(store: Store) {
  const { tenant, session } = await seedSession(store);
  const c = conversation(session);
  await store.conversations.insert(c);
  return { tenant, session, conversation: c };
}

describe.each(backends)('store ($name): appending message batches', (backend) => {
  const { store } = useStore(backend);

  const seedConversation = () => seedConversationIn(store);

  /** A store of its own, for tests that close it; its siblings are other nodes on the same database. */
  async function withOwnStore(work: (opened: OpenedStore) => Promise<void>) {
    const opened = await backend.open();
    try {
      await work(opened);
    } finally {
      await opened.dispose();
    }
  }

  it('stores a batch; its conversation is touched and it is counted by the time the store has closed', () =>
    withOwnStore(async ({ store: node, sibling }) => {
      const reader = await sibling();
      const { tenant, conversation: c } = await seedConversationIn(node);
      const batch = [message(c, { content: 'one' }), message(c, { role: 'assistant', clientId: null, content: 'two' })];
      expect(await node.appendMessages(batch, { at: T0 + 5, month: MONTH })).toEqual(batch.map((m) => m.id));
      // Acknowledged after the commit: any node reads the messages at once.
      expect((await reader.messages.listByConversation(c.id, { limit: 10 })).map((m) => m.content)).toEqual(['one', 'two']);
      await node.close();
      expect((await reader.conversations.get(c.id))?.updatedAt).toBe(T0 + 5);
      expect(await reader.usage.counters(tenant.id, MONTH)).toEqual({ sessions: 0, messages: 2 });
    }));

  it("moves a conversation's updated_at forward only: a late touch from another node never moves it back", () =>
    withOwnStore(async ({ store: early, sibling }) => {
      const late = await sibling();
      const reader = await sibling();
      const { conversation: c } = await seedConversationIn(early);
      await late.appendMessages([message(c)], { at: T0 + 10, month: MONTH });
      await early.appendMessages([message(c)], { at: T0 + 5, month: MONTH });
      await late.close();
      await early.close();
      expect((await reader.conversations.get(c.id))?.updatedAt).toBe(T0 + 10);
    }));

  it("stores the same sessions' client ids from two nodes at once, in opposite orders, without a deadlock", () =>
    withOwnStore(async ({ store: one, sibling }) => {
      const two = await sibling();
      const reader = await sibling();
      const seeded = [await seedConversationIn(one), await seedConversationIn(one)];
      for (let round = 0; round < 3; round++) {
        const rows = (node: string) =>
          seeded.flatMap(({ conversation: c }) =>
            Array.from({ length: 150 }, (_, i) => message(c, { clientId: `r${round}-${i}`, content: `${node} ${i}` })),
          );
        const forwards = rows('one');
        const backwards = rows('two').reverse();
        const [storedByOne, storedByTwo] = await Promise.all([
          one.appendMessages(forwards, { at: T0 + round, month: MONTH }),
          two.appendMessages(backwards, { at: T0 + 100 - round, month: MONTH }),
        ]);
        // Each client id is stored once, and both nodes answer it with that message's id.
        expect(new Set([...storedByOne, ...storedByTwo]).size).toBe(300);
        expect(storedByTwo.toReversed()).toEqual(storedByOne);
      }
      // Both nodes touch the same conversations (in opposite orders) at once, too.
      await Promise.all([one.close(), two.close()]);
      for (const { conversation: c } of seeded) {
        expect(await reader.messages.listByConversation(c.id, { limit: 1000 })).toHaveLength(450);
        expect((await reader.conversations.get(c.id))?.updatedAt).toBe(T0 + 100);
      }
    }));

  it("answers a repeated client id with the earlier message's id, in a later batch or the same one, and counts it once", async () => {
    const { tenant, conversation: c } = await seedConversation();
    const first = message(c, { clientId: 'c-1', content: 'first' });
    await store.appendMessages([first], { at: T0, month: MONTH });
    const again = message(c, { clientId: 'c-1', content: 'first, resent' });
    const fresh = message(c, { clientId: 'c-2', content: 'second' });
    const freshAgain = message(c, { clientId: 'c-2', content: 'second, resent' });
    expect(await store.appendMessages([again, fresh, freshAgain], { at: T0, month: MONTH })).toEqual([first.id, fresh.id, fresh.id]);
    expect((await store.messages.listByConversation(c.id, { limit: 10 })).map((m) => m.content)).toEqual(['first', 'second']);
    await store.usageMeter.flush();
    expect(await store.usage.counters(tenant.id, MONTH)).toEqual({ sessions: 0, messages: 2 });
  });

  it('keeps the order of batches sent without waiting for each other', async () => {
    const { conversation: c } = await seedConversation();
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 5 }, (_, i) => message(c, { content: `${b}.${i}` })));
    await Promise.all(batches.map((batch) => store.appendMessages(batch, { at: T0, month: MONTH })));
    const stored = await store.messages.listByConversation(c.id, { limit: 200 });
    expect(stored.map((m) => m.content)).toEqual(batches.flat().map((m) => m.content));
  });

  it('fails a batch the database refuses as a whole, and goes on storing the next ones', async () => {
    const { conversation: c } = await seedConversation();
    const refused = [message(c, { content: 'kept out with its neighbour' }), message(c, { content: null as unknown as string })];
    await expect(store.appendMessages(refused, { at: T0, month: MONTH })).rejects.toThrow();
    const next = message(c, { content: 'stored' });
    expect(await store.appendMessages([next], { at: T0, month: MONTH })).toEqual([next.id]);
    expect((await store.messages.listByConversation(c.id, { limit: 10 })).map((m) => m.content)).toEqual(['stored']);
  });

  it('neither breaks nor is broken by a slow transaction that reads, waits, then writes', async () => {
    const { session, conversation: c } = await seedConversation();
    const token = refreshToken(session.id);
    await store.refreshTokens.insert(token);
    const slow = store.transaction(async (tx) => {
      const read = await tx.refreshTokens.get(token.id);
      // Message batches commit (or try to) meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 150));
      return tx.refreshTokens.claimRotation(read!.id, 'rt_child', T0 + 1);
    });
    const appended = [];
    for (let i = 0; i < 10; i++) {
      appended.push(store.appendMessages([message(c, { content: `m${i}` })], { at: T0, month: MONTH }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await slow).toBe(true);
    await Promise.all(appended);
    expect(await store.messages.listByConversation(c.id, { limit: 20 })).toHaveLength(10);
    expect((await store.refreshTokens.get(token.id))?.state).not.toBe('current');
  });
});

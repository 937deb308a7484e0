import { describe, expect, it } from 'vitest';
import { MessageWriter } from '../../src/chat/message-writer.js';
import { backends } from '../support/backends.js';
import { conversation, message, seedSession, T0, useStore } from '../store/fixtures.js';

describe.each(backends)('message writer ($name)', (backend) => {
  const { store } = useStore(backend);

  it('stores a turn of thousands of messages (more than one statement can bind) and acknowledges each', async () => {
    const { session: s } = await seedSession(store);
    const c = conversation(s);
    await store.conversations.insert(c);
    const writer = new MessageWriter(store, { now: () => T0 + 1 });
    const messages = Array.from({ length: 4_500 }, (_, i) => message(c, { clientId: `c${i}` }));
    // The same client id again, in the same turn but past the first statement's rows: a duplicate.
    const again = message(c, { clientId: 'c1' });

    const results = await Promise.all([...messages, again].map((m) => writer.write(m)));

    expect(results.slice(0, -1)).toEqual(messages.map((m) => ({ messageId: m.id, duplicate: false })));
    expect(results.at(-1)).toEqual({ messageId: messages[1]!.id, duplicate: true });
    expect(await store.messages.countByTenantSince(s.tenantId, T0, T0 + 1)).toBe(4_500);
  });
});

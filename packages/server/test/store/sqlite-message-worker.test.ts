import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteMessageAppender } from '../../src/store/sqlite-message-appender.js';
import { conversation, message, seedSession, T0 } from './fixtures.js';

const OPTIONS = { at: T0, month: '2027-01' };

describe('store (sqlite): the message worker thread', () => {
  let dataDir: string;
  let store: Store;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-worker-'));
    store = await openStore({ dataDir });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails the batches of a worker that dies, and stores the next ones with a new worker', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const appender = new SqliteMessageAppender(join(dataDir, 'tessera.db'), ['busy_timeout = 30000']);
    try {
      await appender.append([message(c, { content: 'before' })], OPTIONS);
      const lost = appender.append([message(c, { content: 'in flight' })], OPTIONS);
      await (appender as unknown as { worker: Worker }).worker.terminate();
      await expect(lost).rejects.toThrow(/worker exited/);
      const after = message(c, { content: 'after' });
      expect(await appender.append([after], OPTIONS)).toEqual([after.id]);
      const stored = (await store.messages.listByConversation(c.id, { limit: 10 })).map((m) => m.content);
      expect(stored.slice(0, 1)).toEqual(['before']);
      expect(stored.at(-1)).toBe('after');
    } finally {
      await appender.close();
    }
  });

  it('refuses batches once closed', async () => {
    const appender = new SqliteMessageAppender(join(dataDir, 'tessera.db'), []);
    await appender.close();
    await expect(appender.append([message(conversation((await seedSession(store)).session))], OPTIONS)).rejects.toThrow(/closed/);
  });
});

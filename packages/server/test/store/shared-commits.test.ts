import { describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/store/index.js';
import { SharedCommits } from '../../src/store/shared-commits.js';
import { backends } from '../support/backends.js';
import { session, tenant, useStore } from './fixtures.js';

describe.each(backends)('store ($name): transactions that share a commit', (backend) => {
  const { store, sibling } = useStore(backend);

  /** SharedCommits over the suite's store, counting the transactions it opens. */
  function counted(): { commits: SharedCommits; transactions: () => number } {
    let transactions = 0;
    const commits = new SharedCommits((work) => {
      transactions++;
      return store.transaction(work);
    });
    return { commits, transactions: () => transactions };
  }

  it('runs the works handed in together in one transaction, each settling after its commit', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const { commits, transactions } = counted();
    const other = await sibling();
    const sessions = Array.from({ length: 20 }, () => session(t.id));
    await Promise.all(
      sessions.map(async (s) => {
        await commits.run((tx) => tx.sessions.insert(s));
        // Settled means committed: another connection (another node) sees it.
        expect(await other.sessions.get(s.id)).toMatchObject({ id: s.id });
      }),
    );
    expect(transactions()).toBe(1);
  });

  it("keeps one work's failure its own: the others commit, the failed one's writes are gone", async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const { commits } = counted();
    const [a, b, c] = [session(t.id), session(t.id), session(t.id)];
    const failing = async (tx: Repositories) => {
      await tx.sessions.insert(b);
      throw new Error('refused by the domain');
    };
    const results = await Promise.allSettled([
      commits.run((tx) => tx.sessions.insert(a)),
      commits.run(failing),
      commits.run((tx) => tx.sessions.insert(c)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('refused by the domain');
    expect(await store.sessions.get(a.id)).not.toBeNull();
    expect(await store.sessions.get(b.id)).toBeNull();
    expect(await store.sessions.get(c.id)).not.toBeNull();
  });
});

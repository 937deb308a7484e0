import { describe, expect, it } from 'vitest';
import type { Identity, SignInFlow } from '../../src/store/index.js';
import { backends } from '../support/backends.js';
import { seedSession, T0, uid, user, useStore } from './fixtures.js';

describe.each(backends)('store ($name): sign-in flows and identities', (backend) => {
  const suite = useStore(backend);

  const flow = (tenantId: string, sessionId: string, overrides: Partial<SignInFlow> = {}): SignInFlow => ({
    id: uid('flow'),
    tenantId,
    sessionId,
    method: 'oauth',
    provider: 'acme',
    secretHash: 'secret-hash',
    stateHash: uid('state'),
    origin: 'https://acme.example',
    returnTo: null,
    status: 'pending',
    userId: null,
    amr: null,
    errorCode: null,
    createdAt: T0,
    expiresAt: T0 + 600_000,
    email: null,
    matchCode: null,
    browserHash: null,
    tries: 0,
    ...overrides,
  });

  it('a callback claims a pending flow once, even racing on two connections, and not after it expired', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const pending = flow(tenant.id, session.id);
    await store.signInFlows.insert(pending);
    expect(await store.signInFlows.get(pending.id)).toEqual(pending);

    const other = await suite.sibling();
    const claims = await Promise.all([
      store.signInFlows.claim(pending.stateHash!, T0 + 1),
      other.signInFlows.claim(pending.stateHash!, T0 + 1),
    ]);
    expect(claims.filter((claimed) => claimed !== null)).toHaveLength(1);
    expect(claims.find((claimed) => claimed !== null)).toMatchObject({ id: pending.id, status: 'completing' });

    const late = flow(tenant.id, session.id);
    await store.signInFlows.insert(late);
    expect(await store.signInFlows.claim(late.stateHash!, late.expiresAt)).toBeNull();
    expect(await store.signInFlows.findByState(late.stateHash!)).toMatchObject({ id: late.id, status: 'pending' });
  });

  it('completes a claimed flow, and redeems it exactly once before it expires', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const pending = flow(tenant.id, session.id);
    await store.signInFlows.insert(pending);
    // Not claimed yet: nothing to complete or redeem.
    expect(await store.signInFlows.complete(pending.id, 'usr_x', ['fed'])).toBe(false);
    expect(await store.signInFlows.redeem(pending.id, T0 + 1)).toBe(false);
    await store.signInFlows.claim(pending.stateHash!, T0 + 1);
    expect(await store.signInFlows.complete(pending.id, 'usr_x', ['fed'])).toBe(true);
    expect(await store.signInFlows.get(pending.id)).toMatchObject({ status: 'completed', userId: 'usr_x', amr: ['fed'] });
    // A completed flow cannot fail any more.
    expect(await store.signInFlows.fail(pending.id, 'FLOW_DENIED')).toBe(false);

    const other = await suite.sibling();
    const redeemed = await Promise.all([store.signInFlows.redeem(pending.id, T0 + 2), other.signInFlows.redeem(pending.id, T0 + 2)]);
    expect(redeemed.filter(Boolean)).toHaveLength(1);

    const expired = flow(tenant.id, session.id);
    await store.signInFlows.insert(expired);
    await store.signInFlows.claim(expired.stateHash!, T0 + 1);
    await store.signInFlows.complete(expired.id, 'usr_x', ['fed']);
    expect(await store.signInFlows.redeem(expired.id, expired.expiresAt)).toBe(false);
  });

  it('fails a pending flow with its code; deletes flows by session and by expiry', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const denied = flow(tenant.id, session.id);
    const old = flow(tenant.id, uid('sess'), { expiresAt: T0 - 1 });
    await store.signInFlows.insert(denied);
    await store.signInFlows.insert(old);
    expect(await store.signInFlows.fail(denied.id, 'FLOW_DENIED')).toBe(true);
    expect(await store.signInFlows.get(denied.id)).toMatchObject({ status: 'failed', errorCode: 'FLOW_DENIED' });
    expect(await store.signInFlows.claim(denied.stateHash!, T0 + 1)).toBeNull();

    expect(await store.signInFlows.deleteExpired(T0)).toBeGreaterThanOrEqual(1);
    expect(await store.signInFlows.get(old.id)).toBeNull();
    await store.signInFlows.deleteSessions([session.id]);
    expect(await store.signInFlows.get(denied.id)).toBeNull();
  });

  it('keeps a provider identity unique per tenant, lists a user’s identities, deletes them', async () => {
    const { store } = suite;
    const { tenant } = await seedSession(store);
    const ada = user(tenant.id);
    await store.users.insert(ada);
    const identity = (overrides: Partial<Identity>): Identity => ({
      id: uid('idn'),
      tenantId: tenant.id,
      userId: ada.id,
      kind: 'oauth',
      provider: 'github',
      subject: '42',
      email: null,
      createdAt: T0,
      ...overrides,
    });
    const github = identity({});
    await store.identities.insert(github);
    await expect(store.identities.insert(identity({}))).rejects.toThrow();
    // Identities without a provider never collide.
    await store.identities.insert(
      identity({ kind: 'password', provider: null, subject: null, email: 'ada@example.com', createdAt: T0 + 1 }),
    );
    await store.identities.insert(identity({ kind: 'external', provider: null, subject: null, createdAt: T0 + 2 }));
    expect(await store.identities.findByProvider(tenant.id, 'github', '42')).toEqual(github);
    expect(await store.identities.findByProvider(tenant.id, 'github', '43')).toBeNull();
    expect((await store.identities.listByUser(ada.id)).map((i) => i.kind)).toEqual(['oauth', 'password', 'external']);
    expect(await store.identities.delete(github.id)).toBe(true);
    expect(await store.identities.deleteByUser(ada.id)).toBe(2);
    expect(await store.identities.listByUser(ada.id)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { EmailCode, Passkey } from '../../src/store/index.js';
import { backends } from '../support/backends.js';
import { seedSession, T0, uid, user, useStore } from './fixtures.js';

describe.each(backends)('store ($name): email codes, passkeys, WebAuthn challenges, password resets', (backend) => {
  const suite = useStore(backend);

  const code = (tenantId: string, overrides: Partial<EmailCode> = {}): EmailCode => ({
    id: uid('otp'),
    tenantId,
    email: 'ada@example.com',
    purpose: 'sign_in',
    codeHash: 'hash',
    tries: 0,
    details: null,
    createdAt: T0,
    expiresAt: T0 + 600_000,
    usedAt: null,
    ...overrides,
  });

  it('keeps one live code per address; counts tries atomically up to the limit, even racing; uses a code once', async () => {
    const { store } = suite;
    const { tenant } = await seedSession(store);
    await store.emailCodes.replace(code(tenant.id, { codeHash: 'old' }));
    const live = code(tenant.id, { codeHash: 'new' });
    await store.emailCodes.replace(live);
    const other = await suite.sibling();
    const tries = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).emailCodes.countTry(tenant.id, 'ada@example.com', 'sign_in', T0 + 1, 5)),
    );
    const counted = tries.filter((tried) => tried !== null);
    expect(counted).toHaveLength(5);
    expect(counted.map((tried) => tried!.codeHash)).toEqual(Array(5).fill('new'));
    expect(new Set(counted.map((tried) => tried!.tries))).toEqual(new Set([1, 2, 3, 4, 5]));

    const fresh = code(tenant.id, { email: 'bob@example.com' });
    await store.emailCodes.replace(fresh);
    expect(await store.emailCodes.countTry(tenant.id, 'bob@example.com', 'sign_in', fresh.expiresAt, 5)).toBeNull(); // expired
    expect(await Promise.all([store.emailCodes.use(fresh.id, T0 + 1), other.emailCodes.use(fresh.id, T0 + 1)])).toContain(false);
    expect(await store.emailCodes.countTry(tenant.id, 'bob@example.com', 'sign_in', T0 + 2, 5)).toBeNull(); // used
  });

  it('stores passkeys per tenant and records a use only over the counter it read', async () => {
    const { store } = suite;
    const { tenant } = await seedSession(store);
    const ada = user(tenant.id);
    await store.users.insert(ada);
    const passkey: Passkey = {
      id: uid('pkey'),
      tenantId: tenant.id,
      userId: ada.id,
      credentialId: 'cred-1',
      publicKey: 'pk',
      counter: 3,
      transports: ['internal'],
      name: 'Laptop',
      createdAt: T0,
      lastUsedAt: null,
    };
    await store.passkeys.insert(passkey);
    await expect(store.passkeys.insert({ ...passkey, id: uid('pkey') })).rejects.toThrow();
    expect(await store.passkeys.findByCredential(tenant.id, 'cred-1')).toEqual(passkey);
    expect(await store.passkeys.findByCredential('ten_other', 'cred-1')).toBeNull();
    const other = await suite.sibling();
    const uses = await Promise.all([
      store.passkeys.recordUse(passkey.id, 3, 4, T0 + 1),
      other.passkeys.recordUse(passkey.id, 3, 4, T0 + 1),
    ]);
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(await store.passkeys.findByCredential(tenant.id, 'cred-1')).toMatchObject({ counter: 4, lastUsedAt: T0 + 1 });
    expect((await store.passkeys.listByUser(ada.id)).map((p) => p.id)).toEqual([passkey.id]);
    expect(await store.passkeys.deleteByUser(ada.id)).toBe(1);
  });

  it('takes a WebAuthn challenge once, and not after it expired', async () => {
    const { store } = suite;
    const { session } = await seedSession(store);
    await store.webauthnChallenges.put({ sessionId: session.id, purpose: 'authentication', challenge: 'c1', expiresAt: T0 + 300_000 });
    await store.webauthnChallenges.put({ sessionId: session.id, purpose: 'authentication', challenge: 'c2', expiresAt: T0 + 300_000 });
    const other = await suite.sibling();
    const taken = await Promise.all([
      store.webauthnChallenges.take(session.id, 'authentication', T0),
      other.webauthnChallenges.take(session.id, 'authentication', T0),
    ]);
    expect(taken.filter((challenge) => challenge !== null)).toEqual(['c2']);
    await store.webauthnChallenges.put({ sessionId: session.id, purpose: 'registration', challenge: 'c3', expiresAt: T0 });
    expect(await store.webauthnChallenges.take(session.id, 'registration', T0)).toBeNull();
  });

  it('uses a password reset token once, before it expires', async () => {
    const { store } = suite;
    const { tenant } = await seedSession(store);
    const reset = { tokenHash: uid('h'), tenantId: tenant.id, userId: 'usr_x', createdAt: T0, expiresAt: T0 + 1_800_000, usedAt: null };
    await store.passwordResets.insert(reset);
    const other = await suite.sibling();
    const used = await Promise.all([store.passwordResets.use(reset.tokenHash, T0 + 1), other.passwordResets.use(reset.tokenHash, T0 + 1)]);
    expect(used.filter((r) => r !== null)).toHaveLength(1);
    const late = { ...reset, tokenHash: uid('h') };
    await store.passwordResets.insert(late);
    expect(await store.passwordResets.use(late.tokenHash, late.expiresAt)).toBeNull();
  });

  it('counts wrong match codes of a pending magic-link flow', async () => {
    const { store } = suite;
    const { tenant, session } = await seedSession(store);
    const flow = {
      id: uid('flow'),
      tenantId: tenant.id,
      sessionId: session.id,
      method: 'magic_link' as const,
      provider: null,
      secretHash: 's',
      stateHash: uid('state'),
      origin: null,
      returnTo: null,
      status: 'pending' as const,
      userId: null,
      amr: null,
      errorCode: null,
      createdAt: T0,
      expiresAt: T0 + 600_000,
      email: 'ada@example.com',
      matchCode: '42',
      browserHash: 'b',
      tries: 0,
    };
    await store.signInFlows.insert(flow);
    expect(await store.signInFlows.get(flow.id)).toMatchObject({ email: 'ada@example.com', matchCode: '42', browserHash: 'b', tries: 0 });
    expect([await store.signInFlows.countTry(flow.id), await store.signInFlows.countTry(flow.id)]).toEqual([1, 2]);
    await store.signInFlows.fail(flow.id, 'CODE_INVALID');
    expect(await store.signInFlows.countTry(flow.id)).toBe(0);
  });
});

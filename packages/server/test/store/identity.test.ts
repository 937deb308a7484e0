import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { apiKey, T0, tenant, uid, user, useStore } from './fixtures.js';

describe.each(backends)('store ($name): tenants, API keys, users', (backend) => {
  const { store } = useStore(backend);

  it('reports which dialect it runs on and answers a ping', async () => {
    expect(store.dialect).toBe(backend.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('tenants', () => {
    it('inserts, gets, lists in creation order and returns the first', async () => {
      expect(await store.tenants.first()).toBeNull();
      const a = tenant({ createdAt: T0 + 2 });
      const b = tenant({ createdAt: T0 + 1, name: 'Beta' });
      await store.tenants.insert(a);
      await store.tenants.insert(b);
      expect(await store.tenants.get(a.id)).toEqual(a);
      expect(await store.tenants.get('ten_missing')).toBeNull();
      expect((await store.tenants.list()).map((t) => t.id)).toEqual([b.id, a.id]);
      expect((await store.tenants.first())?.id).toBe(b.id);
      expect(typeof (await store.tenants.get(a.id))!.createdAt).toBe('number');
    });

    it('replaces the settings', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const settings = { ...t.settings, allowedOrigins: ['https://new.example'], limits: { messagesPerMinute: 5 } };
      await store.tenants.updateSettings(t.id, settings);
      expect((await store.tenants.get(t.id))!.settings).toEqual(settings);
    });
  });

  describe('API keys', () => {
    it('round-trips every field, numbers as numbers', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const key = apiKey(t.id, { allowedIps: ['10.0.0.0/8'], expiresAt: T0 + 1000, scopes: ['tokens:write', 'users:read'] });
      await store.apiKeys.insert(key);
      const stored = await store.apiKeys.get(key.id);
      expect(stored).toMatchObject({ ...key });
      expect(typeof stored!.expiresAt).toBe('number');
      expect(await store.apiKeys.get('key_missing')).toBeNull();
    });

    it('lists a tenant’s keys oldest first and no other tenant’s', async () => {
      const t = tenant();
      const other = tenant();
      await store.tenants.insert(t);
      await store.tenants.insert(other);
      const newer = apiKey(t.id, { createdAt: T0 + 10 });
      const older = apiKey(t.id, { createdAt: T0 + 5, kind: 'publishable', scopes: [] });
      await store.apiKeys.insert(newer);
      await store.apiKeys.insert(older);
      await store.apiKeys.insert(apiKey(other.id));
      expect((await store.apiKeys.list(t.id)).map((k) => k.id)).toEqual([older.id, newer.id]);
    });

    it('revokes once', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const key = apiKey(t.id);
      await store.apiKeys.insert(key);
      expect(await store.apiKeys.revoke(key.id, T0 + 1)).toBe(true);
      expect(await store.apiKeys.revoke(key.id, T0 + 2)).toBe(false);
      expect((await store.apiKeys.get(key.id))!.revokedAt).toBe(T0 + 1);
    });

    it('marks a key replaced with its grace expiry, and records last use', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const key = apiKey(t.id);
      await store.apiKeys.insert(key);
      await store.apiKeys.markReplaced(key.id, 'key_next', T0 + 60_000);
      await store.apiKeys.touch(key.id, T0 + 7);
      expect(await store.apiKeys.get(key.id)).toMatchObject({ replacedBy: 'key_next', expiresAt: T0 + 60_000, lastUsedAt: T0 + 7 });
    });
  });

  describe('users', () => {
    it('inserts and finds by id, external id and email within a tenant', async () => {
      const t = tenant();
      const other = tenant();
      await store.tenants.insert(t);
      await store.tenants.insert(other);
      const u = user(t.id, { email: `${uid('a')}@example.com`, passwordHash: '$argon2id$x' });
      await store.users.insert(u);
      expect(await store.users.get(u.id)).toEqual(u);
      expect(await store.users.findByExternalId(t.id, u.externalId)).toEqual(u);
      expect(await store.users.findByExternalId(other.id, u.externalId)).toBeNull();
      expect(await store.users.findByEmail(t.id, u.email!)).toEqual(u);
      expect(await store.users.findByEmail(other.id, u.email!)).toBeNull();
      expect(await store.users.get('usr_missing')).toBeNull();
    });

    it('refuses a second user with the same external id in a tenant', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const u = user(t.id);
      await store.users.insert(u);
      await expect(store.users.insert(user(t.id, { externalId: u.externalId }))).rejects.toThrow();
    });

    it('updates the profile and deletes', async () => {
      const t = tenant();
      await store.tenants.insert(t);
      const u = user(t.id);
      await store.users.insert(u);
      await store.users.updateProfile(u.id, { name: 'Grace', avatar: 'https://a/b.png', custom: { role: 'viewer' }, updatedAt: T0 + 9 });
      expect(await store.users.get(u.id)).toMatchObject({
        name: 'Grace',
        avatar: 'https://a/b.png',
        custom: { role: 'viewer' },
        updatedAt: T0 + 9,
      });
      expect(await store.users.delete(u.id)).toBe(1);
      expect(await store.users.delete(u.id)).toBe(0);
      expect(await store.users.get(u.id)).toBeNull();
    });
  });

  describe('transactions', () => {
    it('commits all of the work or none of it', async () => {
      const a = tenant();
      const b = tenant();
      await expect(
        store.transaction(async (tx) => {
          await tx.tenants.insert(a);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.tenants.get(a.id)).toBeNull();
      await store.transaction(async (tx) => {
        await tx.tenants.insert(b);
        await tx.apiKeys.insert(apiKey(b.id));
      });
      expect(await store.apiKeys.list(b.id)).toHaveLength(1);
    });
  });
});

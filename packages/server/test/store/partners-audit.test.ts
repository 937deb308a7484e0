import { describe, expect, it } from 'vitest';
import type { AuditEntry, Partner } from '../../src/store/index.js';
import { backends } from '../support/backends.js';
import { T0, tenant, uid, useStore } from './fixtures.js';

const partner = (tenantId: string, overrides: Partial<Partner> = {}): Partner => ({
  id: uid('ptn'),
  tenantId,
  name: 'Partner',
  allowedOrigins: ['https://partner.example'],
  verification: { secret: 'x'.repeat(32) },
  trustedToAssertUsers: false,
  createdAt: T0,
  ...overrides,
});

const entry = (tenantId: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id: uid('aud'),
  tenantId,
  at: T0,
  actor: 'key_admin',
  action: 'key.created',
  target: 'key_x',
  details: null,
  ...overrides,
});

describe.each(backends)('store ($name): partners, single-use token ids, audit log', (backend) => {
  const { store } = useStore(backend);

  it('partners: insert, get, list, all origins, delete within a tenant', async () => {
    const t = tenant();
    const other = tenant();
    await store.tenants.insert(t);
    await store.tenants.insert(other);
    const a = partner(t.id, { createdAt: T0 + 1, trustedToAssertUsers: true, verification: { jwksUrl: 'https://p.example/jwks' } });
    const b = partner(t.id, { createdAt: T0 + 2, allowedOrigins: ['https://b.example'] });
    for (const p of [a, b]) await store.partners.insert(p);
    expect(await store.partners.get(a.id)).toEqual(a);
    expect(await store.partners.get('ptn_missing')).toBeNull();
    expect((await store.partners.list(t.id)).map((p) => p.id)).toEqual([a.id, b.id]);
    expect(await store.partners.allOrigins()).toEqual(expect.arrayContaining(['https://partner.example', 'https://b.example']));
    expect(await store.partners.delete(other.id, a.id)).toBe(false);
    expect(await store.partners.delete(t.id, a.id)).toBe(true);
    expect(await store.partners.get(a.id)).toBeNull();
  });

  it('single-use ids: of 20 concurrent claims exactly one wins; expired ids are purged', async () => {
    const id = uid('jti');
    const results = await Promise.all(Array.from({ length: 20 }, () => store.usedTokenIds.claim(id, T0 + 1000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.usedTokenIds.claim(id, T0 + 1000)).toBe(false);
    expect(await store.usedTokenIds.claim(uid('jti'), T0 + 5000)).toBe(true);
    expect(await store.usedTokenIds.purgeExpired(T0 + 2000)).toBeGreaterThanOrEqual(1);
    expect(await store.usedTokenIds.claim(id, T0 + 9000)).toBe(true);
  });

  it('audit log: pages newest first by (at, id), filters, deletes old entries', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const entries = Array.from({ length: 5 }, (_, i) => entry(t.id, { id: `aud_${i}`, at: T0 + Math.floor(i / 2), details: { n: i } }));
    entries.push(entry(t.id, { id: 'aud_9', at: T0 + 10, action: 'session.revoked', target: 'sess_1' }));
    for (const e of entries) await store.auditLog.insert(e);
    const first = await store.auditLog.page(t.id, { limit: 3 });
    expect(first.map((e) => e.id)).toEqual(['aud_9', 'aud_4', 'aud_3']);
    expect(first[1]).toEqual(entries[4]);
    const last = first[2]!;
    expect((await store.auditLog.page(t.id, { limit: 10, before: { at: last.at, id: last.id } })).map((e) => e.id)).toEqual([
      'aud_2',
      'aud_1',
      'aud_0',
    ]);
    expect((await store.auditLog.page(t.id, { limit: 10, action: 'session.revoked' })).map((e) => e.id)).toEqual(['aud_9']);
    expect((await store.auditLog.page(t.id, { limit: 10, target: 'sess_1' })).map((e) => e.id)).toEqual(['aud_9']);
    expect(await store.auditLog.deleteOlderThan(t.id, T0 + 2)).toBe(4);
    expect(await store.auditLog.page(t.id, { limit: 10 })).toHaveLength(2);
  });
});

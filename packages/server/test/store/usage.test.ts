import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { T0, tenant, uid, useStore } from './fixtures.js';

describe.each(backends)('store ($name): usage and anonymous links', (backend) => {
  const { store } = useStore(backend);

  it('counts each active subject once per month and kind', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    await store.usage.recordActive(t.id, '2027-01', 'anonymous', 'anon_a');
    await store.usage.recordActive(t.id, '2027-01', 'anonymous', 'anon_a');
    await store.usage.recordActive(t.id, '2027-01', 'anonymous', 'anon_b');
    await store.usage.recordActive(t.id, '2027-01', 'user', 'usr_a');
    await store.usage.recordActive(t.id, '2027-02', 'user', 'usr_a');
    await Promise.all(Array.from({ length: 10 }, () => store.usage.recordActive(t.id, '2027-01', 'user', 'usr_b')));
    expect(await store.usage.countActives(t.id, '2027-01')).toEqual({ anonymous: 2, user: 2 });
    expect(await store.usage.countActives(t.id, '2027-03')).toEqual({ anonymous: 0, user: 0 });
  });

  it('adds to monthly counters atomically, also concurrently', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    expect(await store.usage.counters(t.id, '2027-01')).toEqual({ sessions: 0, messages: 0 });
    await store.usage.count(t.id, '2027-01', { sessions: 1 });
    await Promise.all(Array.from({ length: 20 }, () => store.usage.count(t.id, '2027-01', { messages: 2 })));
    expect(await store.usage.counters(t.id, '2027-01')).toEqual({ sessions: 1, messages: 40 });
  });

  it('links anonymous ids to users both ways, once, and deletes subjects', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const [anonA, anonB, userA, userB] = [uid('anon'), uid('anon'), uid('usr'), uid('usr')];
    await store.usage.linkAnonymous(t.id, anonA, userA, T0);
    await store.usage.linkAnonymous(t.id, anonA, userA, T0 + 1);
    await store.usage.linkAnonymous(t.id, anonB, userA, T0);
    await store.usage.linkAnonymous(t.id, anonA, userB, T0);
    expect((await store.usage.anonymousIdsOfUser(userA)).sort()).toEqual([anonA, anonB].sort());
    expect((await store.usage.usersOfAnonymousId(anonA)).sort()).toEqual([userA, userB].sort());
    await store.usage.recordActive(t.id, '2027-01', 'user', userA);
    expect(await store.usage.deleteSubjects('ten_other', { userIds: [userA], anonymousIds: [anonA], actives: [userA] })).toBe(0);
    expect(await store.usage.deleteSubjects(t.id, { userIds: [userA], actives: [userA] })).toBe(2);
    expect(await store.usage.deleteSubjects(t.id, {})).toBe(0);
    expect(await store.usage.anonymousIdsOfUser(userA)).toEqual([]);
    expect(await store.usage.usersOfAnonymousId(anonA)).toEqual([userB]);
    expect(await store.usage.countActives(t.id, '2027-01')).toEqual({ anonymous: 0, user: 0 });
  });
});

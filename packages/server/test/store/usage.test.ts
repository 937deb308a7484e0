import { describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { T0, tenant, uid, useStore } from './fixtures.js';

describe.each(backends)('store ($name): usage and anonymous links', (backend) => {
  const { store, sibling } = useStore(backend);

  it('counts each active subject once per month and kind', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const meter = store.usageMeter;
    meter.active(t.id, '2027-01', 'anonymous', 'anon_a');
    meter.active(t.id, '2027-01', 'anonymous', 'anon_a');
    meter.active(t.id, '2027-01', 'anonymous', 'anon_b');
    meter.active(t.id, '2027-01', 'user', 'usr_a');
    meter.active(t.id, '2027-02', 'user', 'usr_a');
    await meter.flush();
    // Seen again after a flush, on two nodes at once: still once.
    const other = await sibling();
    for (let i = 0; i < 10; i++) [meter, other.usageMeter][i % 2]!.active(t.id, '2027-01', 'user', 'usr_b');
    // One after the other: two SQLite connections in one thread would wait on each other's lock.
    await meter.flush();
    await other.usageMeter.flush();
    expect(await store.usage.countActives(t.id, '2027-01')).toEqual({ anonymous: 2, user: 2 });
    expect(await store.usage.countActives(t.id, '2027-03')).toEqual({ anonymous: 0, user: 0 });
  });

  it('adds to monthly counters exactly: buffered, concurrently, on two nodes', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    expect(await store.usage.counters(t.id, '2027-01')).toEqual({ sessions: 0, messages: 0 });
    await store.usage.count(t.id, '2027-01', { sessions: 1 });
    await Promise.all(Array.from({ length: 20 }, () => store.usage.count(t.id, '2027-01', { messages: 2 })));
    const other = await sibling();
    for (let i = 0; i < 1000; i++) [store.usageMeter, other.usageMeter][i % 2]!.count(t.id, '2027-01', { sessions: 1, messages: 3 });
    // Nothing is written until a flush (or its interval): the requests that counted did not wait for it.
    expect(await store.usage.counters(t.id, '2027-01')).toEqual({ sessions: 1, messages: 40 });
    await Promise.all([store.usageMeter.flush(), store.usageMeter.flush()]);
    await other.usageMeter.flush();
    expect(await store.usage.counters(t.id, '2027-01')).toEqual({ sessions: 1001, messages: 3040 });
  });

  it('writes what it counted when the store closes (a node stopped by SIGTERM loses nothing)', async () => {
    const t = tenant();
    await store.tenants.insert(t);
    const node = await sibling();
    node.usageMeter.count(t.id, '2027-04', { sessions: 2, messages: 5 });
    node.usageMeter.active(t.id, '2027-04', 'anonymous', 'anon_closing');
    await node.close();
    expect(await store.usage.counters(t.id, '2027-04')).toEqual({ sessions: 2, messages: 5 });
    expect(await store.usage.countActives(t.id, '2027-04')).toEqual({ anonymous: 1, user: 0 });
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
    await store.usage.recordActives([{ tenantId: t.id, month: '2027-01', kind: 'user', subjectId: userA }]);
    expect(await store.usage.deleteSubjects('ten_other', { userIds: [userA], anonymousIds: [anonA], actives: [userA] })).toBe(0);
    expect(await store.usage.deleteSubjects(t.id, { userIds: [userA], actives: [userA] })).toBe(2);
    expect(await store.usage.deleteSubjects(t.id, {})).toBe(0);
    expect(await store.usage.anonymousIdsOfUser(userA)).toEqual([]);
    expect(await store.usage.usersOfAnonymousId(anonA)).toEqual([userB]);
    expect(await store.usage.countActives(t.id, '2027-01')).toEqual({ anonymous: 0, user: 0 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type Cluster, metricValue, type Nginx, nginxInstalled, request, startCluster, startNginx } from '../support/cluster.js';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/postgres.js';
import {
  type PostgresCluster,
  type RedisServer,
  postgresBinDir,
  sleep,
  startPostgresCluster,
  startRedisServer,
  which,
} from '../support/services.js';
import { connect, ORIGIN, type TestSocket } from '../support/test-server.js';
import { chatResiliently } from '../support/chat-client.js';

const services = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL);
const wsOf = (base: string) => `${base.replace(/^http/, 'ws')}/v1/ws`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} never held`);
    await sleep(50);
  }
}

async function socketTo(wsUrl: string, token: string): Promise<TestSocket> {
  const socket = connect({ wsUrl } as never, { token });
  await socket.nextOfType('ready');
  return socket;
}

async function startSession(base: string, publishableKey: string) {
  const response = await request(base, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': publishableKey }, body: {} });
  if (response.status !== 201) throw new Error(`session start failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { accessToken: string; refreshToken: string; session: { id: string } };
}

const send = async (socket: TestSocket, id: string) => {
  socket.send({ type: 'message', id, content: id });
  return socket.next((frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id);
};

describe.skipIf(!services || !which('redis-server'))('failures: Redis stopped and started again', { timeout: 90_000 }, () => {
  let redis: RedisServer;
  let database: TestDatabase;
  let cluster: Cluster;
  let a: string;
  let b: string;
  const busReliable = async (node: string) => (await metricValue(node, 'tessera_bus_reliable')) === 1;

  beforeAll(async () => {
    assertBuilt();
    redis = (await startRedisServer())!;
    database = await createTestDatabase();
    cluster = await startCluster({ databaseUrl: database.url, redisUrl: redis.url, origin: ORIGIN });
    [a, b] = cluster.nodes.map((node) => node.url) as [string, string];
    const patched = await request(a, 'PATCH', '/v1/settings', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { limits: { messagesPerMinute: 3 } },
    });
    expect(patched.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
    await redis?.destroy();
  });

  it('revocations still take effect, rate limits degrade to local with a warning, and service returns with Redis', async () => {
    const victim = await startSession(a, cluster.publishableKey);
    expect((await request(b, 'GET', '/v1/me', { headers: bearer(victim.accessToken) })).status).toBe(200); // now cached on B
    const held = await socketTo(wsOf(b), victim.accessToken);

    await redis.stop();
    await eventually(async () => !(await busReliable(a)) && !(await busReliable(b)), 10_000, 'both nodes noticing Redis is gone');
    const ready = await request(b, 'GET', '/readyz', { origin: null });
    expect(ready).toEqual({ status: 200, body: { ok: true, bus: 'degraded' } }); // still serving: not pulled from the balancer

    // Logout on A: B never heard of it over the bus, yet neither the token nor the socket survives there.
    expect((await request(a, 'POST', '/v1/auth/logout', { headers: bearer(victim.accessToken), body: {} })).status).toBe(204);
    expect((await request(b, 'GET', '/v1/me', { headers: bearer(victim.accessToken) })).status).toBe(401);
    const started = Date.now();
    expect(await held.closed).toEqual({ code: 1000, reason: 'LOGGED_OUT' });
    expect(Date.now() - started).toBeLessThan(2_500);
    // A revoked token cannot open a new socket on either node.
    for (const node of [a, b]) {
      const socket = connect({ wsUrl: wsOf(node) } as never, { token: victim.accessToken });
      expect((await socket.closed).code).not.toBe(1000);
    }

    // Sessions still start and chat; the message limit holds per node, and the node says so.
    const chatter = await startSession(a, cluster.publishableKey);
    const onA = await socketTo(wsOf(a), chatter.accessToken);
    for (const id of ['d1', 'd2', 'd3']) expect((await send(onA, id)).type).toBe('ack');
    expect(await send(onA, 'd4')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    onA.close();
    // (Logs arrive over the child's stdout pipe, possibly after the frame.)
    await eventually(() => /rate limits degraded to per-node memory/.test(cluster.nodes[0]!.output()), 5_000, 'the degradation warning');
    expect(cluster.nodes[1]!.output()).toMatch(/redis bus disconnected/);

    await redis.start();
    await eventually(async () => (await busReliable(a)) && (await busReliable(b)), 20_000, 'both nodes resubscribing');

    // Cross-node events flow again: a logout on A closes B's socket within a second.
    const after = await startSession(a, cluster.publishableKey);
    const onB = await socketTo(wsOf(b), after.accessToken);
    const again = Date.now();
    expect((await request(a, 'POST', '/v1/auth/logout', { headers: bearer(after.accessToken), body: {} })).status).toBe(204);
    expect((await onB.closed).reason).toBe('LOGGED_OUT');
    expect(Date.now() - again).toBeLessThan(1000);

    // And the limit is shared across nodes again.
    const shared = await startSession(a, cluster.publishableKey);
    const sa = await socketTo(wsOf(a), shared.accessToken);
    const sb = await socketTo(wsOf(b), shared.accessToken);
    expect((await send(sa, 's1')).type).toBe('ack');
    expect((await send(sb, 's2')).type).toBe('ack');
    expect((await send(sa, 's3')).type).toBe('ack');
    expect(await send(sb, 's4')).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    sa.close();
    sb.close();
  });
});

describe.skipIf(!services || !postgresBinDir())('failures: PostgreSQL restarted', { timeout: 90_000 }, () => {
  let postgres: PostgresCluster;
  let cluster: Cluster;
  let node: string;

  beforeAll(async () => {
    assertBuilt();
    postgres = (await startPostgresCluster())!;
    cluster = await startCluster({ databaseUrl: postgres.url, redisUrl: TEST_REDIS_URL!, nodes: 1, origin: ORIGIN });
    node = cluster.nodes[0]!.url;
    await request(node, 'PATCH', '/v1/settings', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { limits: { messagesPerMinute: 1000, messagesPerMinutePerAddress: 10_000 } },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await postgres?.destroy();
  });

  it('/readyz says 503 meanwhile, the node recovers by itself, and no acknowledged message is lost', async () => {
    const session = await startSession(node, cluster.publishableKey);
    const readyz = async () => (await fetch(`${node}/readyz`)).status;
    expect(await readyz()).toBe(200);

    const chatting = chatResiliently(wsOf(node), session.accessToken, 40, { gapMs: 40, deadlineMs: 90_000 });
    await sleep(400);
    await postgres.stop();
    expect(await readyz()).toBe(503);
    await sleep(1_500);
    expect(await readyz()).toBe(503);
    await postgres.start();
    await eventually(async () => (await readyz()) === 200, 20_000, '/readyz back to 200');

    const outcome = await chatting;
    expect(outcome.acked.size).toBe(40);
    expect(outcome.errors.length).toBeGreaterThan(0); // the outage was felt by the client

    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; client_id: string }>(
        "select id, client_id from messages where session_id = $1 and role = 'user'",
        [session.session.id],
      );
      expect(rows).toHaveLength(40);
      const stored = new Map(rows.map((row) => [row.client_id, row.id]));
      for (const [clientId, messageId] of outcome.acked) expect(stored.get(clientId)).toBe(messageId);
    } finally {
      await client.end();
    }
    expect(cluster.nodes[0]!.running).toBe(true);
  });
});

describe.skipIf(!services || !nginxInstalled())('failures: a node killed with SIGKILL mid-traffic', { timeout: 90_000 }, () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let nginx: Nginx;

  beforeAll(async () => {
    assertBuilt();
    database = await createTestDatabase();
    cluster = await startCluster({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL!, origin: ORIGIN });
    nginx = await startNginx(cluster.nodes.map((n) => n.port));
    await request(nginx.url, 'PATCH', '/v1/settings', {
      headers: bearer(cluster.secretKey),
      origin: null,
      body: { limits: { messagesPerMinute: 1000, messagesPerMinutePerAddress: 10_000 } },
    });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await cluster?.stop();
    await database?.drop();
  });

  it('its clients reconnect to the other node and every acknowledged message is still there', async () => {
    const clients = 6;
    const perClient = 30;
    const sessions = [];
    for (let i = 0; i < clients; i++) sessions.push(await startSession(nginx.url, cluster.publishableKey));
    const chats = sessions.map((s, i) =>
      chatResiliently(nginx.wsUrl, s.accessToken, perClient, { prefix: `c${i}`, gapMs: 30, deadlineMs: 90_000 }),
    );
    await sleep(500);
    await cluster.nodes[0]!.stop('SIGKILL');
    const outcomes = await Promise.all(chats);

    expect(outcomes.every((o) => o.acked.size === perClient)).toBe(true);
    expect(outcomes.reduce((n, o) => n + o.reconnects, 0)).toBeGreaterThan(0);
    for (const [i, outcome] of outcomes.entries()) {
      const rows = await database.query<{ id: string; client_id: string }>(
        "select id, client_id from messages where session_id = $1 and role = 'user'",
        [sessions[i]!.session.id],
      );
      expect(rows).toHaveLength(perClient);
      const stored = new Map(rows.map((row) => [row.client_id, row.id]));
      for (const [clientId, messageId] of outcome.acked) expect(stored.get(clientId)).toBe(messageId);
    }
    // The survivor serves everyone now, including a brand-new session.
    const fresh = await startSession(nginx.url, cluster.publishableKey);
    expect((await chatResiliently(nginx.wsUrl, fresh.accessToken, 3)).acked.size).toBe(3);
  });
});

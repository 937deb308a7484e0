// The server side of the benchmark, run in a child process (fork) so the clients'
// CPU never competes with it inside one event loop. `node bench/server-child.mjs bare|tessera`.
// Talks to the parent over IPC: sends {type:'ready', port, tokens}, answers {type:'cpu'}, {type:'stats'},
// {type:'memory'} and {type:'storedIds', ids, conversationIds} (Tessera only), exits on {type:'stop'}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';

export const ORIGIN = 'http://localhost:3000';
const SUBPROTOCOL = 'tessera.v1';
const MAX_FRAME_BYTES = 64 * 1024;

const mode = process.argv[2];
const sessionCount = Number(process.argv[3] ?? 64);
const FRESH_TOKENS = Number(process.env.BENCH_FRESH_TOKENS ?? 45_000);

const server =
  mode === 'bare'
    ? await startBare()
    : mode === 'tessera'
      ? await startTessera(sessionCount)
      : mode === 'agent'
        ? await startAgent()
        : null;
if (!server) {
  console.error(`usage: server-child.mjs bare|tessera|agent [sessions]`);
  process.exit(2);
}

process.on('message', async (request) => {
  if (request.type === 'cpu') {
    process.send({ type: 'cpu', id: request.id, usage: process.cpuUsage(), loop: performance.eventLoopUtilization() });
  } else if (request.type === 'stats') {
    process.send({ type: 'stats', id: request.id, stats: await server.stats() });
  } else if (request.type === 'memory') {
    globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    process.send({ type: 'memory', id: request.id, memory: { rss, heapUsed, heapTotal, external, gc: Boolean(globalThis.gc) } });
  } else if (request.type === 'snapshot') {
    // BENCH_HEAP_SNAPSHOTS=<dir> (the soak): a heap snapshot, after a full GC, for bench/heap-diff.mjs.
    globalThis.gc?.();
    const { writeHeapSnapshot } = await import('node:v8');
    process.send({ type: 'snapshot', id: request.id, file: writeHeapSnapshot(join(request.dir, `${request.label}.heapsnapshot`)) });
  } else if (request.type === 'storedIds') {
    process.send({ type: 'storedIds', id: request.id, missing: await server.missing(request.ids, request.conversationIds) });
  } else if (request.type === 'stop') {
    await server.stop();
    process.disconnect();
    // A normal exit, so that `--cpu-prof` gets to write its profile.
    process.exit(0);
  }
});
// The parent died or gave up on us: don't linger.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', port: server.port, tokens: server.tokens, freshTokens: server.freshTokens ?? [], origin: ORIGIN });

/** A bare `ws` server: accepts (picking `tessera.v1` so the client's request is byte-for-byte the same) and echoes. */
async function startBare() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => undefined);
  });
  return {
    port: wss.address().port,
    tokens: [],
    stats: async () => ({}),
    missing: async (ids) => ids,
    stop: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A whole Tessera node (`buildApp`) over a real SQLite file in a temp dir, or the backends of TESSERA_DATABASE_URL / TESSERA_REDIS_URL. */
async function startTessera(count) {
  // BENCH_SERVER_DIST points at another build of packages/server/dist, to compare two builds.
  const dist = pathToFileURL(resolve(process.env.BENCH_SERVER_DIST ?? new URL('../packages/server/dist', import.meta.url).pathname)).href;
  const { buildApp } = await import(`${dist}/app.js`);
  const { initialise } = await import(`${dist}/tenancy/bootstrap.js`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  // Whatever happens from here on, the temp dir goes with the process.
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const app = await buildApp({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    cleanupIntervalMs: 0,
    // Every bench client connects from 127.0.0.1; the soak holds up to 1 000 sockets at once.
    maxConnectionsPerIp: 100_000,
    ...(process.env.TESSERA_DATABASE_URL ? { databaseUrl: process.env.TESSERA_DATABASE_URL } : {}),
    ...(process.env.TESSERA_REDIS_URL ? { redisUrl: process.env.TESSERA_REDIS_URL } : {}),
  });
  const init = await initialise(app.services, [ORIGIN]);
  const { tenants, sessions } = app.services;
  const tenant = await tenants.get(init.tenantId);
  // PATCH /v1/settings caps messagesPerMinute at 10 000 (tenancy/settings.ts), far below what the
  // bench sends through one session, so the limit is raised directly, past the schema; so is the
  // per-address one, as every bench client connects from 127.0.0.1.
  // Session starts too, in case a scenario starts sessions over the wire (none does yet).
  await tenants.updateSettings(init.tenantId, {
    limits: {
      messagesPerMinute: 1_000_000_000,
      messagesPerMinutePerAddress: 1_000_000_000,
      sessionsPerMinutePerAddress: 1_000_000_000,
      sessionsPerMinutePerKey: 1_000_000_000,
    },
    // BENCH_ACCESS_TTL_SECONDS: the soak's pre-made tokens must outlive its run (default 15 minutes).
    ...(process.env.BENCH_ACCESS_TTL_SECONDS ? { tokens: { accessTokenTtlSeconds: Number(process.env.BENCH_ACCESS_TTL_SECONDS) } } : {}),
    ...(tenant.settings.allowedOrigins.includes(ORIGIN) ? {} : { allowedOrigins: [...tenant.settings.allowedOrigins, ORIGIN] }),
  });
  // BENCH_AGENT_URL: the tenant's agent is that HTTP (webhook) agent, as `PATCH /v1/settings` would set it.
  if (process.env.BENCH_AGENT_URL) {
    await tenants.updateSettings(init.tenantId, { agent: { url: process.env.BENCH_AGENT_URL } });
    await app.services.agentSecrets.ensure(init.tenantId);
  }
  const fresh = await tenants.get(init.tenantId);
  const tokens = [];
  for (let i = 0; i < count; i++) tokens.push((await sessions.startAnonymous(fresh)).accessToken);
  // Tokens for handshakes that each present a token this node has never verified.
  const freshTokens = [];
  const freshSession = (await sessions.startAnonymous(fresh)).session;
  for (let i = 0; i < FRESH_TOKENS; i++) freshTokens.push((await sessions.reissueAccess(freshSession)).accessToken);
  // Counted for the report (calls into the store, one per message; its queue coalesces them into transactions): a thin wrapper, no work of its own.
  const { store } = app.services;
  // BENCH_STORE=off: messages are acknowledged without being stored. A diagnostic ceiling (how
  // fast the gateway, the agent and the client are on their own), never a result.
  const appendMessages = process.env.BENCH_STORE === 'off' ? async (messages) => messages.map((m) => m.id) : store.appendMessages;
  let batches = 0;
  store.appendMessages = (messages, options) => {
    batches++;
    return appendMessages(messages, options);
  };
  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });
  const startedAt = Date.now();
  return {
    port: Number(new URL(address).port),
    tokens,
    freshTokens,
    stats: async () => {
      await app.services.messageWriter.drain();
      const stored = await app.services.store.messages.countByTenantSince(init.tenantId, startedAt - 60_000, Date.now() + 60_000);
      return { storedMessages: stored, batches };
    },
    missing: async (ids, conversationIds) => {
      await app.services.messageWriter.drain();
      const stored = new Set();
      for (let i = 0; i < conversationIds.length; i += 500) {
        for (const message of await app.services.store.messages.listByConversations(conversationIds.slice(i, i + 500)))
          stored.add(message.id);
      }
      return ids.filter((id) => !stored.has(id));
    },
    stop: () => app.close(),
  };
}

/**
 * A local streaming agent (`agent` mode): answers every POST with `text/event-stream`, BENCH_AGENT_DELTAS
 * `delta` events written one by one, then `done`. The first delta carries when the request arrived and
 * when the first byte left (epoch ms, sub-ms precision), for the load generator's latencies.
 */
async function startAgent() {
  const { createServer } = await import('node:http');
  const deltas = Number(process.env.BENCH_AGENT_DELTAS ?? 20);
  const now = () => performance.timeOrigin + performance.now();
  const server = createServer((request, response) => {
    const receivedAt = now();
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      const event = (name, data) => response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      event('delta', { content: `@${receivedAt.toFixed(3)}/${now().toFixed(3)} ` });
      for (let i = 1; i < deltas; i++) event('delta', { content: `word${i} ` });
      event('done', {});
      response.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    tokens: [],
    stats: async () => ({}),
    missing: async (ids) => ids,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

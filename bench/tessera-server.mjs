// A whole Tessera node (`buildApp`) in a server child (server-child.mjs `tessera` mode), over a real
// SQLite file in a temp dir, or the backends of TESSERA_DATABASE_URL / TESSERA_REDIS_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ORIGIN = 'http://localhost:3000';
/** Sessions minted at once: concurrent starts may share a commit, like concurrent requests. */
const MINT_BATCH = 64;

export async function startTessera(count) {
  // BENCH_SERVER_DIST points at another build of packages/server/dist, to compare two builds.
  const dist = pathToFileURL(resolve(process.env.BENCH_SERVER_DIST ?? new URL('../packages/server/dist', import.meta.url).pathname)).href;
  const { buildApp } = await import(`${dist}/app.js`);
  const { initialise } = await import(`${dist}/tenancy/bootstrap.js`);
  // BENCH_DATA_DIR: a data dir that outlives the process (the memory case mints sessions in one node,
  // then measures another over the same file, so the minting's garbage is not in the measured process).
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  // Whatever happens from here on, a temp dir of our own goes with the process.
  if (!process.env.BENCH_DATA_DIR) process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const app = await buildApp({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    cleanupIntervalMs: 0,
    // Fixed, not the port it gets: tokens minted by one bench node stay valid on another over the same data.
    issuer: 'http://tessera.bench',
    // Every bench client connects from 127.0.0.1; the memory case holds 10 000 sockets at once.
    maxConnectionsPerIp: 1_000_000,
    ...(process.env.TESSERA_DATABASE_URL ? { databaseUrl: process.env.TESSERA_DATABASE_URL } : {}),
    ...(process.env.TESSERA_REDIS_URL ? { redisUrl: process.env.TESSERA_REDIS_URL } : {}),
  });
  const init = await initialise(app.services, [ORIGIN]);
  const { tenants, sessions } = app.services;
  const tenant = await tenants.get(init.tenantId);
  // PATCH /v1/settings caps messagesPerMinute at 10 000 (tenancy/settings.ts), far below what the
  // bench sends through one session, so the limit is raised directly, past the schema; so are the
  // per-address ones, as every bench client connects from 127.0.0.1, and session starts per key.
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
  // Over data that already held the tenant (PostgreSQL, BENCH_DATA_DIR) no key was shown: a new one for the bench.
  const publishableKey =
    init.publishableKey ?? (await app.services.apiKeys.create({ tenantId: init.tenantId, name: 'bench', kind: 'publishable' })).plaintext;
  /** `n` new anonymous sessions: their access and refresh tokens. */
  const mint = async (n) => {
    const current = await tenants.get(init.tenantId);
    const minted = [];
    for (let i = 0; i < n; i += MINT_BATCH) {
      const batch = Array.from({ length: Math.min(MINT_BATCH, n - i) }, () => sessions.startAnonymous(current));
      for (const issued of await Promise.all(batch)) minted.push({ accessToken: issued.accessToken, refreshToken: issued.refreshToken });
    }
    return minted;
  };
  /**
   * `n` access tokens never verified before, of `n` distinct sessions: sessions started once (a pool grown
   * on demand), each given a newly signed access token per call (signing only, no write).
   */
  const freshPool = [];
  const mintFresh = async (n) => {
    const current = await tenants.get(init.tenantId);
    while (freshPool.length < n) {
      const batch = Array.from({ length: Math.min(MINT_BATCH, n - freshPool.length) }, () => sessions.startAnonymous(current));
      for (const issued of await Promise.all(batch)) freshPool.push(issued.session);
    }
    const minted = [];
    for (let i = 0; i < n; i++) minted.push({ accessToken: (await sessions.reissueAccess(freshPool[i])).accessToken });
    return minted;
  };
  const tokens = (await mint(count)).map((t) => t.accessToken);
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
    publishableKey,
    mint: (n, { fresh = false } = {}) => (fresh ? mintFresh(n) : mint(n)),
    /** Forget every cached session, as a node that never saw them: the next verification of each reads the store. */
    forgetSessions: () => app.services.sessionCache.clear(),
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

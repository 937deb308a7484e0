import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { Clock } from './clock.js';
import { type Bus, MemoryBus, openRedis } from './bus/index.js';
import { Metrics } from './metrics.js';
import { openStore, type Store } from './store/index.js';
import { AccessTokens, ExternalTokenVerifier, loadServerSecret, SigningKeyStore, VerifiedTokens } from './tokens/index.js';
import { PasswordHasher } from './identity/passwords.js';
import { Tenants } from './identity/tenants.js';
import { ApiKeys } from './identity/api-keys.js';
import { Users } from './identity/users.js';
import { Conversations, MessageWriter, SessionCache, Sessions } from './sessions/index.js';
import { type Agent, DemoAgent } from './agent/index.js';
import { RateLimits } from './rate-limits.js';
import { Audit } from './audit.js';
import { Partners } from './identity/partners.js';
import { DatabaseReplayGuard, type ReplayGuard } from './identity/replay-guard.js';
import { InitTokens } from './identity/init-tokens.js';
import { SpikeGuard } from './identity/spike-guard.js';
import { ApiKeyAccess } from './identity/api-key-access.js';
import { BackendSessions } from './identity/backend-sessions.js';

/** Every domain service of one node, wired once. Edges (HTTP, WebSocket, CLI) only call these. */
export interface Services {
  config: ServerConfig;
  clock: Clock;
  logger: Logger;
  store: Store;
  bus: Bus;
  signingKeys: SigningKeyStore;
  accessTokens: AccessTokens;
  /** Verifies JWTs signed by others: the customer's identity tokens, partners' init tokens. */
  externalTokens: ExternalTokenVerifier;
  passwords: PasswordHasher;
  tenants: Tenants;
  apiKeys: ApiKeys;
  users: Users;
  sessionCache: SessionCache;
  sessions: Sessions;
  conversations: Conversations;
  messageWriter: MessageWriter;
  agent: Agent;
  rateLimits: RateLimits;
  /** The tenant audit log: `services.audit.record({tenantId, actor, action, target, details})`. */
  audit: Audit;
  /** Every check a presented API key must pass (validity, IP allowlist, rate, spike guard, scope). */
  apiKeyAccess: ApiKeyAccess;
  spikeGuard: SpikeGuard;
  partners: Partners;
  /** Single-use ids (init token `jti`s); the database by default, Redis when plugged in. */
  replayGuard: ReplayGuard;
  initTokens: InitTokens;
  /** Backend-minted tokens, server-side linking, session revocation and listings. */
  backendSessions: BackendSessions;
  /** Prometheus metrics of this node (rendered at `/metrics`). */
  metrics: Metrics;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  agent?: Agent;
  bus?: Bus;
  replayGuard?: ReplayGuard;
}

export async function createServices(config: ServerConfig, logger: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const { clock } = config;
  const metrics = new Metrics();
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    databasePoolSize: config.databasePoolSize,
    onDatabaseError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
  });
  // Redis, when configured, carries events between nodes, shared rate limits and single-use ids.
  const redis = config.redisUrl ? await openRedis(config.redisUrl, { logger, clock }) : null;
  const bus = overrides.bus ?? redis?.bus ?? new MemoryBus();
  const signingKeys = await SigningKeyStore.open(config.dataDir, clock);
  const accessTokens = new AccessTokens(signingKeys, config.issuer);
  const tenants = new Tenants(store, clock);
  const sessionCache = new SessionCache(store);
  const sessions = new Sessions({
    store,
    clock,
    bus,
    tenants,
    accessTokens,
    verifiedTokens: new VerifiedTokens(accessTokens),
    cache: sessionCache,
    serverSecret: loadServerSecret(config.dataDir, 'refresh-tokens'),
    metrics,
  });
  const messageWriter = new MessageWriter(store, clock);
  const externalTokens = new ExternalTokenVerifier({ clock });
  const apiKeys = new ApiKeys(store, clock);
  const users = new Users(store, clock);
  const rateLimits = new RateLimits(redis?.limiters);
  const audit = new Audit(store, clock, logger);
  const spikeGuard = new SpikeGuard(clock, config.apiKeyLimits.spike);
  const partners = new Partners(store, clock);
  const replayGuard = overrides.replayGuard ?? redis?.replayGuard ?? new DatabaseReplayGuard(store, clock);
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'session.changed') sessionCache.invalidate(event.sessionId);
    if (event.type === 'tenant.changed') {
      tenants.invalidate(event.tenantId);
      partners.invalidate();
    }
  });
  // While the bus may miss other nodes' events, session state comes from the store; once
  // events flow again, whatever was cached meanwhile is dropped.
  sessionCache.setTrusted(bus.reliable);
  const unwatchBus = bus.onReliabilityChange((reliable) => {
    sessionCache.setTrusted(reliable);
    if (reliable) {
      tenants.invalidateAll();
      partners.invalidate();
    }
  });
  metrics.reportBusWith(() => bus.reliable);
  return {
    config,
    clock,
    logger,
    store,
    bus,
    signingKeys,
    accessTokens,
    externalTokens,
    passwords: new PasswordHasher(),
    tenants,
    apiKeys,
    users,
    sessionCache,
    sessions,
    conversations: new Conversations(store, clock),
    messageWriter,
    agent: overrides.agent ?? new DemoAgent(),
    rateLimits,
    audit,
    apiKeyAccess: new ApiKeyAccess({ apiKeys, rateLimits, spikeGuard, audit, logger, defaultRequestsPerMinute: config.apiKeyLimits.requestsPerMinute }),
    spikeGuard,
    partners,
    replayGuard,
    initTokens: new InitTokens({ clock, partners, verifier: externalTokens, replayGuard, tenants, users, sessions }),
    backendSessions: new BackendSessions({ store, clock, users, sessions, audit }),
    metrics,
    async close() {
      await messageWriter.drain();
      unsubscribe();
      unwatchBus();
      await bus.close();
      await redis?.close();
      await store.close();
    },
  };
}

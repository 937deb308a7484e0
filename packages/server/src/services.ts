import type { Logger } from 'pino';
import {
  type Agent,
  Agents,
  CircuitBreaker,
  type CircuitBreakerOptions,
  DEFAULT_CIRCUIT_BREAKER,
  DemoAgent,
  HttpAgents,
  ToolTokenIssuer,
  LiveTokens,
  TokenExchange,
  TokenIntrospection,
} from './agents/index.js';
import { type Bus, MemoryBus, openRedis, RateLimits } from './bus/index.js';
import { ChatTurns, Conversations, MessageWriter, PendingTurns, RunningTurns, UnansweredTurns } from './chat/index.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import type { Mailer } from './mail/index.js';
import { createSignInServices, type SignInServices } from './sign-in-services.js';
import { Metrics } from './metrics.js';
import { AnonymousCookies, SessionCache, Sessions } from './sessions/index.js';
import { BackendSessions, DatabaseReplayGuard, InitTokens, type ReplayGuard } from './sign-in/index.js';
import { openStore, type Store } from './store/index.js';
import {
  AgentSecrets,
  ApiKeyAccess,
  ApiKeys,
  Audit,
  OriginPolicy,
  Partners,
  RefusedOrigins,
  SecretBox,
  SpikeGuard,
  Tenants,
  Users,
  VisitorLimits,
} from './tenancy/index.js';
import { AccessTokens, ExternalTokenVerifier, loadServerSecret, SigningKeyStore, ToolTokens, VerifiedTokens } from './tokens/index.js';
import { Issuer } from './edge/issuer.js';

/** Every domain service of one node, wired once. Edges (HTTP, WebSocket, CLI) only call these. */
export interface Services extends SignInServices {
  config: ServerConfig;
  /** `iss` of our tokens: configured, else the public URL (see edge/issuer.ts). */
  issuer: Issuer;
  clock: Clock;
  logger: Logger;
  store: Store;
  bus: Bus;
  signingKeys: SigningKeyStore;
  accessTokens: AccessTokens;
  /** Verifies JWTs signed by others: the customer's identity tokens, partners' init tokens. */
  externalTokens: ExternalTokenVerifier;
  tenants: Tenants;
  /** Which browser origins may call, for a tenant or a session. */
  origins: OriginPolicy;
  apiKeys: ApiKeys;
  users: Users;
  sessionCache: SessionCache;
  sessions: Sessions;
  /** Seals and opens the `tessera_anon` cookie: only a value this server sealed names an anonymous id. */
  anonymousCookies: AnonymousCookies;
  conversations: Conversations;
  messageWriter: MessageWriter;
  /** The chat turn: rate limit, conversation, store, agent, reply. */
  chat: ChatTurns;
  /** Turns waiting for the sign-in their agent asked for. */
  pendingTurns: PendingTurns;
  /** Marks turns a stopped node never answered as failed (run by the cleanup job). */
  unansweredTurns: UnansweredTurns;
  /** Which agent answers each tenant. */
  agents: Agents;
  /** Tenants' agent backends over HTTP (signed turns, pooled connections, a circuit breaker per tenant). */
  httpAgents: HttpAgents;
  /** Tenants' agent signing secrets: made, rotated (24 h overlap), stored sealed. */
  agentSecrets: AgentSecrets;
  /** Signs and verifies tool tokens (the agent's tools' credentials). */
  toolTokens: ToolTokens;
  /** RFC 8693 token exchange: a tool token for an access or tool token, never wider. */
  tokenExchange: TokenExchange;
  /** RFC 7662 introspection of access and tool tokens. */
  introspection: TokenIntrospection;
  rateLimits: RateLimits;
  /** Per-address, per-key and per-visitor limits on new sessions and messages: no way around a limit by starting a session. */
  visitorLimits: VisitorLimits;
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
  /** Mail goes here instead (tests). */
  mailer?: Mailer;
  agent?: Agent;
  bus?: Bus;
  replayGuard?: ReplayGuard;
  /** When a tenant's HTTP agent is deemed down, and for how long (default: 5 failures in a row, 10 s). */
  circuitBreaker?: Partial<CircuitBreakerOptions>;
}

export async function createServices(config: ServerConfig, logger: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const { clock } = config;
  const metrics = new Metrics();
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    databasePoolSize: config.databasePoolSize,
    onDatabaseError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
    onBookkeepingError: (error) =>
      logger.warn({ err: error }, 'writing usage counts or conversation times failed; they are kept for the next try'),
  });
  // Redis, when configured, carries events between nodes, shared rate limits and single-use ids.
  const redis = config.redisUrl ? await openRedis(config.redisUrl, { logger, clock }) : null;
  const bus = overrides.bus ?? redis?.bus ?? new MemoryBus();
  const signingKeys = await SigningKeyStore.open(config.dataDir, clock);
  const issuer = new Issuer(config);
  const accessTokens = new AccessTokens(signingKeys, () => issuer.value);
  const audit = new Audit(store, clock, logger);
  const secretBox = new SecretBox(loadServerSecret(config.dataDir, 'tenant-secrets'));
  const tenants = new Tenants({ store, clock, bus, audit, secretBox });
  const partners = new Partners({ store, clock, tenants, audit });
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
    audit,
    metrics,
  });
  const messageWriter = new MessageWriter(store, clock);
  const conversations = new Conversations(store, clock);
  const externalTokens = new ExternalTokenVerifier({ clock });
  const apiKeys = new ApiKeys({ store, clock, audit, bus });
  const users = new Users(store, clock);
  const rateLimits = new RateLimits(redis?.limiters);
  const visitorLimits = new VisitorLimits(rateLimits);
  const spikeGuard = new SpikeGuard(clock, config.apiKeyLimits.spike);
  const replayGuard = overrides.replayGuard ?? redis?.replayGuard ?? new DatabaseReplayGuard(store, clock);
  const signInServices = createSignInServices({
    config,
    logger,
    store,
    clock,
    bus,
    tenants,
    users,
    sessions,
    audit,
    rateLimits,
    secretBox,
    externalTokens,
    replayGuard,
    mailer: overrides.mailer,
  });
  const agentSecrets = new AgentSecrets({
    store,
    clock,
    audit,
    logger,
    serverSecret: loadServerSecret(config.dataDir, 'agent-secrets'),
    onRotated: (tenantId) => tenants.changed(tenantId),
  });
  const httpAgents = new HttpAgents({
    clock,
    logger,
    secrets: agentSecrets,
    breaker: new CircuitBreaker(clock, { ...DEFAULT_CIRCUIT_BREAKER, ...overrides.circuitBreaker }),
  });
  const agents = new Agents(overrides.agent ?? new DemoAgent(), (tenant) => httpAgents.agentFor(tenant));
  const toolTokens = new ToolTokens(signingKeys, () => issuer.value);
  const running = new RunningTurns(config.maxAgentCallsInFlight);
  const chat = new ChatTurns({
    clock,
    store,
    bus,
    tenants,
    visitorLimits,
    sessions,
    conversations,
    messageWriter,
    agents,
    toolTokens: new ToolTokenIssuer(toolTokens),
    running,
    metrics,
  });
  const liveTokens = new LiveTokens({ sessions, toolTokens, store, clock });
  const pendingTurns = new PendingTurns({ clock, store, tenants, sessions, chat, logger });
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'turn.stop') running.stop(event.sessionId, event.messageId);
    if (event.type === 'session.reauthenticated') pendingTurns.resumeLater(event.sessionId);
    if (event.type === 'session.changed' && event.reason === 'auth_changed') pendingTurns.resumeLater(event.sessionId);
    // A re-authentication changes the session's auth_time and amr: cached copies elsewhere are stale.
    if (event.type === 'session.changed' || event.type === 'session.reauthenticated') sessionCache.invalidate(event.sessionId);
    if (event.type === 'api-key.changed') apiKeys.forget(event.keyId);
    if (event.type === 'tenant.changed') {
      tenants.invalidate(event.tenantId);
      partners.invalidate();
      agentSecrets.invalidate(event.tenantId);
    }
  });
  // While the bus may miss other nodes' events, session state comes from the store; once
  // events flow again, whatever was cached meanwhile is dropped.
  sessionCache.setTrusted(bus.reliable);
  const unwatchBus = bus.onReliabilityChange((reliable) => {
    sessionCache.setTrusted(reliable);
    if (reliable) {
      tenants.invalidateAll();
      apiKeys.forget();
      partners.invalidate();
    }
  });
  metrics.reportBusWith(() => bus.reliable);
  return {
    config,
    issuer,
    clock,
    logger,
    store,
    bus,
    signingKeys,
    accessTokens,
    externalTokens,
    tenants,
    origins: new OriginPolicy({ tenants, partners, refusals: new RefusedOrigins({ logger, clock }) }),
    apiKeys,
    users,
    sessionCache,
    sessions,
    anonymousCookies: new AnonymousCookies(loadServerSecret(config.dataDir, 'anonymous-cookies')),
    conversations,
    messageWriter,
    chat,
    pendingTurns,
    unansweredTurns: new UnansweredTurns({ clock, store, tenants, bus }),
    agents,
    httpAgents,
    agentSecrets,
    toolTokens,
    tokenExchange: new TokenExchange({ liveTokens, toolTokens, clock }),
    introspection: new TokenIntrospection(liveTokens),
    rateLimits,
    visitorLimits,
    audit,
    apiKeyAccess: new ApiKeyAccess({
      apiKeys,
      rateLimits,
      spikeGuard,
      audit,
      logger,
      defaultRequestsPerMinute: config.apiKeyLimits.requestsPerMinute,
    }),
    spikeGuard,
    partners,
    replayGuard,
    initTokens: new InitTokens({ clock, partners, verifier: externalTokens, replayGuard, tenants, users, sessions, visitorLimits }),
    ...signInServices,
    backendSessions: new BackendSessions({ store, clock, users, sessions, audit }),
    metrics,
    async close() {
      await messageWriter.drain();
      unsubscribe();
      unwatchBus();
      await httpAgents.close();
      await signInServices.mail.close();
      await bus.close();
      await redis?.close();
      await store.close();
    },
  };
}

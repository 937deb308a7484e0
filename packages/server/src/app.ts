import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { loadConfig, type ServerConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';
import { Gateway } from './gateway/gateway.js';
import { registerErrorHandling } from './http/errors.js';
import { registerCors } from './http/cors.js';
import { sessionRoutes } from './http/session-routes.js';
import { conversationRoutes } from './http/conversation-routes.js';
import { adminRoutes } from './http/admin-routes.js';
import { healthRoutes } from './http/health-routes.js';
import { clientAddress } from './edge/client-address.js';
import { startCleanupJob } from './sessions/index.js';
import { linkRoutes } from './http/link-routes.js';
import { flowRoutes } from './http/flow-routes.js';
import { magicLinkRoutes } from './http/magic-link-routes.js';
import { emailCodeRoutes } from './http/email-code-routes.js';
import { passwordResetRoutes } from './http/password-reset-routes.js';
import { userRoutes } from './http/user-routes.js';
import { backendRoutes } from './http/backend-routes.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { partnerRoutes } from './http/partner-routes.js';
import { auditRoutes } from './http/audit-routes.js';
import { passkeyRoutes } from './http/passkey-routes.js';
import { websocketRoute } from './http/websocket-route.js';
import { registerOpenApi, type RegisteredRoute } from './http/openapi.js';
import { registerUnmatchedRoutes } from './http/unmatched-routes.js';
import { instrumentRequests, metricsRoutes } from './http/metrics-routes.js';
import { widgetRoutes } from './http/widget-routes.js';
import { asyncApiRoutes } from './http/asyncapi-routes.js';
import { authorizationServerRoutes } from './http/authorization-server-routes.js';
import { demoRoutes, type DemoRoutesOptions } from './demo/index.js';

export interface TesseraApp {
  http: FastifyInstance;
  /** `GET /metrics` alone, for its own listener (`config.metricsPort` on `config.metricsHost`); the caller listens. */
  metricsHttp: FastifyInstance;
  services: Services;
  gateway: Gateway;
  /** Every HTTP route registered (as fastify's onRoute saw it); the OpenAPI document lists the visible ones. */
  routes: readonly RegisteredRoute[];
  /** Graceful stop: sockets closed with 1012, in-flight writes finished, store closed. */
  close(): Promise<void>;
}

export interface AppOptions extends ServiceOverrides {
  /** With `config.demo`: e.g. the partner demo page's URL to link to. */
  demo?: DemoRoutesOptions;
}

/** Builds a whole Tessera node from a config; never listens (the caller does). */
export async function buildApp(input: ServerConfigInput, options: AppOptions = {}): Promise<TesseraApp> {
  const config = loadConfig(input);
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger, options);
  const http = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
    trustProxy: false,
    requestIdHeader: false,
  });
  services.issuer.listensOn(http.server);
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  http.decorateRequest('clientIp', '');
  http.addHook('onRequest', async (request) => {
    (request as unknown as { clientIp: string }).clientIp = clientAddress(request.raw, config.trustProxy);
  });
  instrumentRequests(http, services.metrics);
  registerErrorHandling(http);
  registerCors(http, services);
  const routes = await registerOpenApi(http, 'v1');
  registerUnmatchedRoutes(http, routes);
  await http.register(healthRoutes(services));
  await http.register(sessionRoutes(services));
  await http.register(conversationRoutes(services));
  await http.register(adminRoutes(services));
  await http.register(linkRoutes(services));
  await http.register(flowRoutes(services));
  await http.register(magicLinkRoutes(services));
  await http.register(emailCodeRoutes(services));
  await http.register(passwordResetRoutes(services));
  await http.register(userRoutes(services));
  await http.register(backendRoutes(services));
  await http.register(oauthRoutes(services));
  await http.register(partnerRoutes(services));
  await http.register(auditRoutes(services));
  await http.register(passkeyRoutes(services));
  await http.register(websocketRoute());
  await http.register(asyncApiRoutes(services));
  await http.register(authorizationServerRoutes(services));
  await http.register(widgetRoutes());
  if (config.demo) await http.register(demoRoutes(services, options.demo));

  // Scrapes are not logged one by one (request lines are info); the listener's warnings and errors are.
  const metricsLogger = logger.child({ listener: 'metrics' }, { level: logger.levelVal >= 40 ? logger.level : 'warn' });
  const metricsHttp = Fastify({ loggerInstance: metricsLogger as FastifyBaseLogger, requestIdHeader: false });
  await metricsHttp.register(metricsRoutes(services.metrics));

  const gateway = new Gateway(services);
  gateway.attach(http.server);
  const stopCleanup = startCleanupJob(services, config.cleanupIntervalMs, async () => {
    const interrupted = await services.unansweredTurns.sweep();
    if (interrupted > 0) services.logger.warn({ interrupted }, 'marked turns interrupted by a stopped node as failed');
  });
  // The first unknown-account login must not be the one that computes the dummy hash.
  void services.passwords.warmUp().catch(() => undefined);

  let closing: Promise<void> | null = null;
  return {
    http,
    metricsHttp,
    services,
    gateway,
    routes,
    close() {
      closing ??= (async () => {
        stopCleanup();
        gateway.shutdown();
        await Promise.all([http.close(), metricsHttp.close()]);
        await services.close();
      })();
      return closing;
    },
  };
}

import { resolve } from 'node:path';
import { loadConfig, type ServerConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { readEnvironment } from './main.js';
import type { Services } from './services.js';
import { initialise, type InitResult } from './tenancy/index.js';
import { cleanupAllTenants } from './sessions/index.js';
import type { PartnerSite } from './demo/index.js';
import { positionals, values } from './cli/arguments.js';
import { isCommand, overview, usageOf } from './cli/help.js';
import { initialisedTenant } from './cli/initialised-tenant.js';
import { keyCommand } from './cli/key-commands.js';
import { partnerCommand } from './cli/partner-commands.js';
import { originCommand } from './cli/origin-commands.js';
import { settingsCommand } from './cli/settings-commands.js';
import { UsageError } from './cli/usage-error.js';
import { assertInitialised, listenHost, listenMetrics } from './cli/start-options.js';
import { type ExampleAgent, startExampleAgent } from './cli/example-agent.js';

const SIGNING_KEY_ACTIVATION_DELAY_MS = 10 * 60 * 1000;

const environment = readEnvironment();
const configInput = (): ServerConfigInput => ({
  dataDir: resolve(values.data),
  port: Number(values.port),
  host: listenHost(values.host, environment.host, values.demo),
  metricsPort: values['metrics-port'] !== undefined ? Number(values['metrics-port']) : environment.metricsPort,
  metricsHost: values['metrics-host'] ?? environment.metricsHost,
  publicUrl: environment.publicUrl,
  issuer: values.issuer ?? environment.issuer,
  smtpUrl: environment.smtpUrl,
  mailFrom: environment.mailFrom,
  databaseUrl: environment.databaseUrl,
  redisUrl: environment.redisUrl,
  databasePoolSize: environment.databasePoolSize,
  logLevel: (environment.logLevel ?? 'info') as ServerConfigInput['logLevel'],
  trustProxy: values['trust-proxy'] ?? environment.trustProxy,
});

async function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...configInput(), logLevel: 'warn' });
  // Loaded when needed: `tessera help` and misuse answer at once, without the whole server.
  const { createServices } = await import('./services.js');
  const services = await createServices(config, createLogger('warn'));
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

function printInit(result: InitResult): void {
  if (values.json) {
    console.log(
      JSON.stringify({
        tenantId: result.tenantId,
        secretKey: result.secretKey,
        publishableKey: result.publishableKey,
        created: result.created,
      }),
    );
  } else if (result.created) {
    console.log(`Initialised ${resolve(values.data)} (tenant ${result.tenantId}).`);
    console.log('Keep these keys now: they are shown only once.');
    console.log(`  admin secret key: ${result.secretKey}`);
    console.log(`  publishable key:  ${result.publishableKey}`);
  } else {
    console.log(`${resolve(values.data)} is already initialised (tenant ${result.tenantId}); nothing changed.`);
  }
}

async function start(): Promise<void> {
  if (values.init) {
    const origins = values.origin.length > 0 ? values.origin : [`http://localhost:${values.port}`, `http://127.0.0.1:${values.port}`];
    const result = await withServices((services) => initialise(services, origins));
    if (result.created) printInit(result);
  } else {
    await assertInitialised(resolve(values.data), withServices);
  }
  // Off unless asked for (`npm start` asks): the demo's pretend login must never reach production.
  const demo = values.demo;
  let partnerUrl: string | null = null;
  const { buildApp } = await import('./app.js');
  const app = await buildApp({ ...configInput(), demo }, { demo: { partnerUrl: () => partnerUrl } });
  const address = await app.http.listen({ port: app.services.config.port, host: app.services.config.host });
  const loopbackDemo = demo && values.host === undefined && environment.host === undefined;
  app.services.logger.info(
    `Tessera listening on ${address}${loopbackDemo ? ' (the demo serves this machine only: --host or TESSERA_HOST to change)' : ''}`,
  );
  const metricsUrl = await listenMetrics(app);
  if (metricsUrl) app.services.logger.info(`metrics on ${metricsUrl}`);
  let exampleAgent: ExampleAgent | null = null;
  if (values['example-agent']) {
    const tenant = await initialisedTenant(app.services);
    exampleAgent = await startExampleAgent(app.services, tenant.id, address.replace(/\[.*\]/, 'localhost'));
    console.log(`Example agent: ${exampleAgent.url} (examples/agent-backend) answers the chat until shutdown`);
  }
  let partnerSite: PartnerSite | null = null;
  if (demo) {
    const port = Number(new URL(address.replace(/\[.*\]/, 'localhost')).port);
    const shopUrl = `http://localhost:${port}`;
    const partnerPort = values['demo-partner-port'] !== undefined ? Number(values['demo-partner-port']) : port === 8080 ? 8081 : null;
    if (partnerPort !== null) {
      try {
        const { startPartnerSite } = await import('./demo/index.js');
        partnerSite = await startPartnerSite({
          services: app.services,
          tesseraUrl: shopUrl,
          host: app.services.config.host,
          port: partnerPort,
        });
        partnerUrl = partnerSite.url;
      } catch (error) {
        app.services.logger.warn({ err: error }, 'demo: the partner page did not start');
      }
    }
    console.log(`Demo shop: ${shopUrl}/${partnerUrl ? `   partner demo page: ${partnerUrl}/` : ''}`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.services.logger.info({ signal }, 'shutting down');
    Promise.resolve(partnerSite?.close())
      .catch(() => undefined)
      .then(() => exampleAgent?.close())
      .catch((error: unknown) => app.services.logger.warn({ err: error }, 'stopping the example agent failed'))
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.services.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function audit(): Promise<void> {
  await withServices(async (services) => {
    const tenant = await initialisedTenant(services);
    const page = await services.audit.page(tenant.id, { limit: Number(values.limit) });
    if (values.json) console.log(JSON.stringify(page));
    else
      for (const e of page.entries)
        console.log(
          `${new Date(e.at).toISOString()}  ${e.actor.padEnd(24)} ${e.action.padEnd(18)} ${e.target ?? '-'}  ${e.details ? JSON.stringify(e.details) : ''}`,
        );
  });
}

async function main(): Promise<void> {
  const [command, action, ...args] = positionals;
  if (command === undefined || (command === 'help' && action === undefined && !values.help)) {
    console.log(overview());
    return;
  }
  const asked = command === 'help' ? (action ?? 'help') : command;
  if (!isCommand(asked)) throw new UsageError(`unknown command ${asked}`);
  if (command === 'help' || values.help) {
    console.log(usageOf(asked));
    return;
  }
  switch (command) {
    case 'init':
      printInit(await withServices((services) => initialise(services, values.origin)));
      return;
    case 'start':
      return start();
    case 'keys':
      return keyCommand(action, args[0], withServices);
    case 'partners':
      return partnerCommand(action, args[0], withServices);
    case 'settings':
      return settingsCommand(action, args, withServices);
    case 'origins':
      return originCommand(action, args, withServices);
    case 'audit':
      return audit();
    case 'signing-key':
      if (action !== 'rotate') throw new UsageError('signing-key has one action: rotate', 'signing-key');
      await withServices(async (services) => {
        // Published now, signing in ten minutes: verifiers' JWKS caches (max-age 300 s) pick it up first.
        const key = await services.signingKeys.rotate({ activateAfterMs: SIGNING_KEY_ACTIVATION_DELAY_MS });
        console.log(
          `new signing key ${key.kid}: published now, signs from ${new Date(key.activatesAt).toISOString()}; running servers pick it up by themselves`,
        );
      });
      return;
    case 'cleanup': {
      const report = await withServices(cleanupAllTenants);
      console.log(JSON.stringify(report));
      return;
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    // Misuse: what was wrong, then how to use it; exit 2 as shells expect.
    console.error(`${error.message}\n\n${error.command ? usageOf(error.command) : overview()}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

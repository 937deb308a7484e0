import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { loadConfig, type ServerConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { readEnvironment } from './main.js';
import { createServices, type Services } from './services.js';
import { initialise, type InitResult } from './identity/bootstrap.js';
import { describeKey } from './identity/api-keys.js';
import { cleanupExpired } from './sessions/index.js';

const USAGE = `tessera <command> [options]

  init --data DIR [--origin URL]... [--json]     create the default tenant, keys and signing key
  start --data DIR --port N [--host H] [--init]  serve HTTP and WebSocket on one port
  keys create --name NAME [--kind secret|publishable] [--scope S]... [--data DIR] [--json]
  keys list | keys rotate ID [--grace SECONDS] | keys revoke ID   [--data DIR]
  signing-key rotate [--data DIR]                new signing key; the old one stays published
  cleanup [--data DIR]                           delete expired sessions now`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: './data' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string' },
    origin: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    init: { type: 'boolean', default: false },
    name: { type: 'string' },
    kind: { type: 'string', default: 'secret' },
    scope: { type: 'string', multiple: true },
    grace: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const environment = readEnvironment();
const configInput = (): ServerConfigInput => ({
  dataDir: resolve(values.data),
  port: Number(values.port),
  host: values.host ?? environment.host,
  databaseUrl: environment.databaseUrl,
  redisUrl: environment.redisUrl,
  logLevel: (environment.logLevel ?? 'info') as ServerConfigInput['logLevel'],
  trustProxy: environment.trustProxy,
});

async function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...configInput(), logLevel: 'warn' });
  const services = await createServices(config, createLogger('warn'));
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

function printInit(result: InitResult): void {
  if (values.json) {
    console.log(JSON.stringify({ tenantId: result.tenantId, secretKey: result.secretKey, publishableKey: result.publishableKey, created: result.created }));
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
  }
  const app = await buildApp(configInput(), { signIn: undefined });
  const address = await app.http.listen({ port: app.services.config.port, host: app.services.config.host });
  app.services.logger.info(`Tessera listening on ${address}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.services.logger.info({ signal }, 'shutting down');
    app.close().then(
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

async function keys(action: string | undefined, id: string | undefined): Promise<void> {
  await withServices(async (services) => {
    const tenant = await services.tenants.first();
    if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
    if (action === 'create') {
      if (!values.name) throw new Error('keys create needs --name');
      const kind = values.kind === 'publishable' ? 'publishable' : 'secret';
      const { key, plaintext } = await services.apiKeys.create({ tenantId: tenant.id, name: values.name, kind, scopes: values.scope });
      console.log(values.json ? JSON.stringify({ ...describeKey(key), key: plaintext }) : `${key.id} ${plaintext}\n(shown once)`);
    } else if (action === 'list') {
      const list = (await services.apiKeys.list(tenant.id)).map(describeKey);
      if (values.json) console.log(JSON.stringify(list));
      else for (const k of list) console.log(`${k.id}  ${k.kind.padEnd(11)} ${k.name.padEnd(16)} ${k.scopes.join(',') || '-'}  ${k.revokedAt ? 'revoked' : k.replacedBy ? `rotated → ${k.replacedBy}` : 'active'}`);
    } else if (action === 'rotate' && id) {
      const { key, plaintext } = await services.apiKeys.rotate(tenant.id, id, Number(values.grace));
      console.log(values.json ? JSON.stringify({ ...describeKey(key), key: plaintext }) : `${key.id} ${plaintext}\n(shown once; ${id} works for ${values.grace}s more)`);
    } else if (action === 'revoke' && id) {
      await services.apiKeys.revoke(tenant.id, id);
      console.log(`${id} revoked`);
    } else {
      throw new Error(USAGE);
    }
  });
}

async function main(): Promise<void> {
  const [command, action, id] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'init':
      printInit(await withServices((services) => initialise(services, values.origin)));
      return;
    case 'start':
      return start();
    case 'keys':
      return keys(action, id);
    case 'signing-key':
      if (action !== 'rotate') throw new Error(USAGE);
      await withServices(async (services) => {
        const key = await services.signingKeys.rotate(services.clock);
        console.log(`new signing key ${key.kid}; restart running servers to sign with it`);
      });
      return;
    case 'cleanup': {
      const report = await withServices(async (services) => {
        const tenants = await services.store.tenants.list();
        return cleanupExpired(services.store, services.clock, tenants.map((t) => t.id));
      });
      console.log(JSON.stringify(report));
      return;
    }
    default:
      throw new Error(`unknown command ${command}\n\n${USAGE}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

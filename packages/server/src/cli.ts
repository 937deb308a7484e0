import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { loadConfig, type ServerConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { readEnvironment } from './main.js';
import { createServices, type Services } from './services.js';
import { describeKey, describePartner, initialise, type InitResult } from './tenancy/index.js';
import { newSecret } from './ids.js';
import { cleanupAllTenants } from './sessions/index.js';
import { startPartnerSite, type PartnerSite } from './demo/index.js';

const USAGE = `tessera <command> [options]

  init --data DIR [--origin URL]... [--json]     create the default tenant, keys and signing key
  start --data DIR --port N [--host H] [--init]  serve HTTP and WebSocket on one port
        [--demo] [--demo-partner-port N]         with the demo shop at / and a partner demo page on port N
                                                 (default 8081 when serving on 8080, else none)
  keys create --name NAME [--kind secret|publishable] [--scope S]... [--ip CIDR]...
              [--expires 2027-01-31|30d|12h] [--rate-limit PER_MINUTE] [--data DIR] [--json]
  keys list | keys rotate ID [--grace SECONDS] | keys revoke ID   [--data DIR] [--json]
  partners add --name NAME --origin URL... [--secret S | --secret-file F | --public-key-file PEM | --jwks-url URL]
               [--trusted]   (no key given: a new HS256 secret is generated and shown once)
  partners list | partners remove ID   [--data DIR] [--json]
  audit [--limit N] [--data DIR] [--json]        the newest audit log entries
  signing-key rotate [--data DIR]                new signing key, published now, signing in 10 min
  cleanup [--data DIR]                           delete expired sessions now`;

/** What the command line does is audited as done by `cli`. */
const CLI = { actor: 'cli' };

const SIGNING_KEY_ACTIVATION_DELAY_MS = 10 * 60 * 1000;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: './data' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string' },
    origin: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    init: { type: 'boolean', default: false },
    demo: { type: 'boolean', default: false },
    'demo-partner-port': { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', default: 'secret' },
    scope: { type: 'string', multiple: true },
    grace: { type: 'string', default: '0' },
    ip: { type: 'string', multiple: true },
    expires: { type: 'string' },
    'rate-limit': { type: 'string' },
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    'public-key-file': { type: 'string' },
    'jwks-url': { type: 'string' },
    trusted: { type: 'boolean', default: false },
    limit: { type: 'string', default: '50' },
    'trust-proxy': { type: 'string', multiple: true },
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
  databasePoolSize: environment.databasePoolSize,
  logLevel: (environment.logLevel ?? 'info') as ServerConfigInput['logLevel'],
  trustProxy: values['trust-proxy'] ?? environment.trustProxy,
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
  // Off unless asked for (`npm start` asks): the demo's pretend login must never reach production.
  const demo = values.demo;
  let partnerUrl: string | null = null;
  const app = await buildApp({ ...configInput(), demo }, { demo: { partnerUrl: () => partnerUrl } });
  const address = await app.http.listen({ port: app.services.config.port, host: app.services.config.host });
  app.services.logger.info(`Tessera listening on ${address}`);
  let partnerSite: PartnerSite | null = null;
  if (demo) {
    const port = Number(new URL(address.replace(/\[.*\]/, 'localhost')).port);
    const shopUrl = `http://localhost:${port}`;
    const partnerPort = values['demo-partner-port'] !== undefined ? Number(values['demo-partner-port']) : port === 8080 ? 8081 : null;
    if (partnerPort !== null) {
      try {
        partnerSite = await startPartnerSite({ services: app.services, tesseraUrl: shopUrl, host: app.services.config.host, port: partnerPort });
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

async function keys(action: string | undefined, id: string | undefined): Promise<void> {
  await withServices(async (services) => {
    const tenant = await services.tenants.first();
    if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
    if (action === 'create') {
      if (!values.name) throw new Error('keys create needs --name');
      const kind = values.kind === 'publishable' ? 'publishable' : 'secret';
      const { key, plaintext } = await services.apiKeys.create({
        tenantId: tenant.id,
        name: values.name,
        kind,
        scopes: values.scope,
        allowedIps: values.ip,
        expiresAt: values.expires === undefined ? undefined : parseExpiry(values.expires, services.clock.now()),
        rateLimitPerMinute: values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']),
      }, CLI);
      console.log(values.json ? JSON.stringify({ ...describeKey(key), key: plaintext }) : `${key.id} ${plaintext}\n(shown once)`);
    } else if (action === 'list') {
      const list = (await services.apiKeys.list(tenant.id)).map(describeKey);
      if (values.json) console.log(JSON.stringify(list));
      else for (const k of list) console.log(`${k.id}  ${k.kind.padEnd(11)} ${k.name.padEnd(16)} ${k.scopes.join(',') || '-'}  ${k.revokedAt ? 'revoked' : k.replacedBy ? `rotated → ${k.replacedBy}` : 'active'}`);
    } else if (action === 'rotate' && id) {
      const { key, plaintext } = await services.apiKeys.rotate(tenant.id, id, Number(values.grace), CLI);
      console.log(values.json ? JSON.stringify({ ...describeKey(key), key: plaintext }) : `${key.id} ${plaintext}\n(shown once; ${id} works for ${values.grace}s more)`);
    } else if (action === 'revoke' && id) {
      await services.apiKeys.revoke(tenant.id, id, CLI);
      console.log(values.json ? JSON.stringify({ id, revoked: true }) : `${id} revoked`);
    } else {
      throw new Error(USAGE);
    }
  });
}

/** `2027-01-31`, `2027-01-31T12:00:00Z`, or a duration from now: `30d`, `12h`, `45m`. */
function parseExpiry(value: string, now: number): number {
  const duration = /^(\d+)([dhm])$/.exec(value);
  if (duration) return now + Number(duration[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'];
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`--expires ${value}: give a date (2027-01-31) or a duration (30d, 12h, 45m)`);
  return at;
}

async function partners(action: string | undefined, id: string | undefined): Promise<void> {
  await withServices(async (services) => {
    const tenant = await services.tenants.first();
    if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
    if (action === 'add') {
      if (!values.name) throw new Error('partners add needs --name');
      if (values.origin.length === 0) throw new Error('partners add needs at least one --origin');
      const given = [values.secret, values['secret-file'], values['public-key-file'], values['jwks-url']].filter((v) => v !== undefined);
      if (given.length > 1) throw new Error('give at most one of --secret, --secret-file, --public-key-file, --jwks-url');
      const generated = given.length === 0 ? newSecret(43) : undefined;
      const verification =
        values['public-key-file'] !== undefined
          ? { publicKeyPem: readFileSync(values['public-key-file'], 'utf8') }
          : values['jwks-url'] !== undefined
            ? { jwksUrl: values['jwks-url'] }
            : { secret: generated ?? values.secret ?? readFileSync(values['secret-file']!, 'utf8').trim() };
      const partner = await services.partners.create(tenant.id, { name: values.name, allowedOrigins: values.origin, verification, trustedToAssertUsers: values.trusted }, CLI);
      const described = { ...describePartner(partner), audience: tenant.id, ...(generated ? { secret: generated } : {}) };
      if (values.json) console.log(JSON.stringify(described));
      else {
        console.log(`${partner.id} ${partner.name}: init tokens need iss=${partner.id}, aud=${tenant.id}, typ=tessera-init+jwt, exp ≤ 5 min, a unique jti`);
        if (generated) console.log(`HS256 secret (shown once): ${generated}`);
      }
    } else if (action === 'list') {
      const list = (await services.partners.list(tenant.id)).map(describePartner);
      if (values.json) console.log(JSON.stringify(list));
      else for (const p of list) console.log(`${p.id}  ${p.name.padEnd(16)} ${Object.keys(p.verification)[0].padEnd(12)} ${p.trustedToAssertUsers ? 'trusted ' : '        '} ${p.allowedOrigins.join(' ')}`);
    } else if (action === 'remove' && id) {
      await services.partners.remove(tenant.id, id, CLI);
      console.log(values.json ? JSON.stringify({ id, removed: true }) : `${id} removed`);
    } else {
      throw new Error(USAGE);
    }
  });
}

async function audit(): Promise<void> {
  await withServices(async (services) => {
    const tenant = await services.tenants.first();
    if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
    const page = await services.audit.page(tenant.id, { limit: Number(values.limit) });
    if (values.json) console.log(JSON.stringify(page));
    else for (const e of page.entries) console.log(`${new Date(e.at).toISOString()}  ${e.actor.padEnd(24)} ${e.action.padEnd(18)} ${e.target ?? '-'}  ${e.details ? JSON.stringify(e.details) : ''}`);
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
    case 'partners':
      return partners(action, id);
    case 'audit':
      return audit();
    case 'signing-key':
      if (action !== 'rotate') throw new Error(USAGE);
      await withServices(async (services) => {
        // Published now, signing in ten minutes: verifiers' JWKS caches (max-age 300 s) pick it up first.
        const key = await services.signingKeys.rotate({ activateAfterMs: SIGNING_KEY_ACTIVATION_DELAY_MS });
        console.log(`new signing key ${key.kid}: published now, signs from ${new Date(key.activatesAt).toISOString()}; running servers pick it up by themselves`);
      });
      return;
    case 'cleanup': {
      const report = await withServices(cleanupAllTenants);
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

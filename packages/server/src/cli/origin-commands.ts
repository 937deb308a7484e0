import { z } from 'zod';
import type { Services } from '../services.js';
import type { Tenant } from '../store/index.js';
import { settingsPatchSchema } from '../tenancy/index.js';
import { values } from './arguments.js';
import { DATA_OPTIONS, SEEN_BY_RUNNING_SERVERS, TENANT_OPTION } from './common-options.js';
import { CLI, initialisedTenant, type OpenServices } from './initialised-tenant.js';
import { normaliseOrigin } from './origin-argument.js';
import { UsageError } from './usage-error.js';

export const ORIGINS_USAGE = `tessera origins list
tessera origins add ORIGIN...
tessera origins remove ORIGIN...

The browser origins allowed to call Tessera and open its WebSocket (settings.allowedOrigins):
a page anywhere else is refused (403 ORIGIN_NOT_ALLOWED; the server logs the origin it refused).
An origin is scheme://host[:port] exactly as the browser sends it: http://localhost:3000,
https://shop.example. No path, no wildcard. Adding one already there changes nothing; removing
one that is not there is an error (exit 1).

${SEEN_BY_RUNNING_SERVERS}

  --json         print the allowed origins as a JSON array
${DATA_OPTIONS}
${TENANT_OPTION}`;

/** `tessera origins list|add|remove`; the store is opened once the arguments make sense. */
export async function originCommand(action: string | undefined, args: readonly string[], open: OpenServices): Promise<void> {
  if (action === 'list' && args.length === 0) return open(async (services) => print(await initialisedTenant(services)));
  if ((action === 'add' || action === 'remove') && args.length > 0) {
    const origins = args.map(normaliseOrigin);
    return open((services) => change(services, action, origins));
  }
  throw new UsageError(
    action === 'add' || action === 'remove' ? `origins ${action} needs an ORIGIN` : `unknown or incomplete: origins ${action ?? ''}`.trim(),
    'origins',
  );
}

async function change(services: Services, action: 'add' | 'remove', origins: readonly string[]): Promise<void> {
  const tenant = await initialisedTenant(services);
  const current = tenant.settings.allowedOrigins;
  const next = action === 'add' ? [...new Set([...current, ...origins])] : remove(tenant, origins);
  if (next.length === current.length && next.every((origin, i) => origin === current[i])) {
    console.error(`${origins.join(', ')}: already allowed; nothing changed`);
    return print(tenant);
  }
  const checked = settingsPatchSchema.safeParse({ allowedOrigins: next });
  if (!checked.success) throw new Error(`allowedOrigins: ${z.prettifyError(checked.error)}`);
  await services.tenants.updateSettings(tenant.id, checked.data, CLI);
  console.error(`${action === 'add' ? 'added' : 'removed'} ${origins.join(', ')} (tenant ${tenant.id}). ${SEEN_BY_RUNNING_SERVERS}`);
  return print(await services.tenants.get(tenant.id));
}

function remove(tenant: Tenant, origins: readonly string[]): string[] {
  const missing = origins.filter((origin) => !tenant.settings.allowedOrigins.includes(origin));
  if (missing.length > 0) {
    const allowed = tenant.settings.allowedOrigins.join(', ') || 'none';
    throw new Error(`${missing.join(', ')}: not an allowed origin of tenant ${tenant.id} (allowed: ${allowed}); nothing changed`);
  }
  return tenant.settings.allowedOrigins.filter((origin) => !origins.includes(origin));
}

function print(tenant: Tenant): void {
  const origins = tenant.settings.allowedOrigins;
  if (values.json) console.log(JSON.stringify(origins));
  else if (origins.length > 0) console.log(origins.join('\n'));
  else console.error('no allowed origins: every browser page is refused; add one with tessera origins add ORIGIN');
}

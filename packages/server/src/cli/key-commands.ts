import type { Services } from '../services.js';
import { describeKey, SCOPES } from '../tenancy/index.js';
import { values } from './arguments.js';
import { DATA_OPTIONS, TENANT_OPTION } from './common-options.js';
import { CLI, initialisedTenant, type OpenServices } from './initialised-tenant.js';
import { UsageError } from './usage-error.js';

export const KEYS_USAGE = `tessera keys create --name NAME [--kind secret|publishable] [--scope S]... [--ip CIDR]...
                   [--expires 2027-01-31|30d|12h] [--rate-limit PER_MINUTE]
tessera keys list
tessera keys rotate ID [--grace SECONDS]
tessera keys revoke ID

  create   a new key, printed once (only its hash is kept). Scopes, for secret keys: tokens:write,
           sessions:write, users:read, users:delete, tokens:exchange, tokens:introspect, admin
           (default tokens:write only). --ip restricts where it may be used from.
  rotate   a new key with the same name and powers; the old one works --grace seconds more (default 0)
  revoke   the key stops working on the next request

  --json         machine-readable output
${DATA_OPTIONS}
${TENANT_OPTION}`;

/** `tessera keys create|list|rotate|revoke`; the store is opened once the action makes sense. */
export async function keyCommand(action: string | undefined, id: string | undefined, open: OpenServices): Promise<void> {
  if (!(action === 'create' || action === 'list' || ((action === 'rotate' || action === 'revoke') && id))) {
    throw new UsageError(action ? `unknown or incomplete: keys ${action}` : 'keys needs an action', 'keys');
  }
  return open((services) => run(services, action, id));
}

async function run(services: Services, action: string, id: string | undefined): Promise<void> {
  const tenant = await initialisedTenant(services);
  if (action === 'create') {
    if (!values.name) throw new Error('keys create needs --name');
    const kind = keyKind(values.kind);
    const scopes = keyScopes(kind, values.scope);
    const { key, plaintext } = await services.apiKeys.create(
      {
        tenantId: tenant.id,
        name: values.name,
        kind,
        scopes,
        allowedIps: values.ip,
        expiresAt: values.expires === undefined ? undefined : parseExpiry(values.expires, services.clock.now()),
        rateLimitPerMinute: values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']),
      },
      CLI,
    );
    console.log(values.json ? JSON.stringify({ ...describeKey(key), key: plaintext }) : `${key.id} ${plaintext}\n(shown once)`);
  } else if (action === 'list') {
    const list = (await services.apiKeys.list(tenant.id)).map(describeKey);
    if (values.json) console.log(JSON.stringify(list));
    else
      for (const k of list)
        console.log(
          `${k.id}  ${k.kind.padEnd(11)} ${k.name.padEnd(16)} ${k.scopes.join(',') || '-'}  ${k.revokedAt ? 'revoked' : k.replacedBy ? `rotated → ${k.replacedBy}` : 'active'}`,
        );
  } else if (action === 'rotate' && id) {
    const { key, plaintext } = await services.apiKeys.rotate(tenant.id, id, Number(values.grace), CLI);
    console.log(
      values.json
        ? JSON.stringify({ ...describeKey(key), key: plaintext })
        : `${key.id} ${plaintext}\n(shown once; ${id} works for ${values.grace}s more)`,
    );
  } else if (action === 'revoke' && id) {
    await services.apiKeys.revoke(tenant.id, id, CLI);
    console.log(values.json ? JSON.stringify({ id, revoked: true }) : `${id} revoked`);
  } else {
    throw new UsageError(action ? `unknown or incomplete: keys ${action}` : 'keys needs an action', 'keys');
  }
}

const KINDS = ['secret', 'publishable'] as const;

/** `--kind`: exactly `secret` or `publishable`; a typo is refused, never taken for a secret key. */
function keyKind(value: string): (typeof KINDS)[number] {
  const kind = KINDS.find((k) => k === value);
  if (!kind) throw new Error(`unknown --kind ${value}: give ${KINDS.join(' or ')}`);
  return kind;
}

/** `--scope`s, each one of SCOPES; none given: the key gets the least privilege (`tokens:write`, in ApiKeys). */
function keyScopes(kind: (typeof KINDS)[number], scopes: string[] | undefined): string[] | undefined {
  if (scopes === undefined) return undefined;
  if (kind === 'publishable') throw new Error('publishable keys have no scopes: drop --scope');
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown --scope ${scope}: give one of ${SCOPES.join(', ')}`);
  }
  return scopes;
}

/** `2027-01-31`, `2027-01-31T12:00:00Z`, or a duration from now: `30d`, `12h`, `45m`. */
function parseExpiry(value: string, now: number): number {
  const duration = /^(\d+)([dhm])$/.exec(value);
  if (duration) return now + Number(duration[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'];
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`--expires ${value}: give a date (2027-01-31) or a duration (30d, 12h, 45m)`);
  return at;
}

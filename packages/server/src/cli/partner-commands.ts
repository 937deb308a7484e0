import { readFileSync } from 'node:fs';
import { newSecret } from '../ids.js';
import type { Services } from '../services.js';
import { describePartner } from '../tenancy/index.js';
import { values } from './arguments.js';
import { DATA_OPTIONS, TENANT_OPTION } from './common-options.js';
import { CLI, initialisedTenant, type OpenServices } from './initialised-tenant.js';
import { UsageError } from './usage-error.js';

export const PARTNERS_USAGE = `tessera partners add --name NAME --origin URL... [--trusted]
                     [--secret S | --secret-file F | --public-key-file PEM | --jwks-url URL]
tessera partners list
tessera partners remove ID

  add      a third party that embeds the chat on its own origins, starting sessions with init
           tokens it signs. No key given: a new HS256 secret is generated and printed once.
           --trusted: its init tokens may name a signed-in user.
  remove   its init tokens are refused from the next one on

  --json         machine-readable output
${DATA_OPTIONS}
${TENANT_OPTION}`;

/** `tessera partners add|list|remove`; the store is opened once the action makes sense. */
export async function partnerCommand(action: string | undefined, id: string | undefined, open: OpenServices): Promise<void> {
  if (!(action === 'add' || action === 'list' || (action === 'remove' && id))) {
    throw new UsageError(action ? `unknown or incomplete: partners ${action}` : 'partners needs an action', 'partners');
  }
  return open((services) => run(services, action, id));
}

async function run(services: Services, action: string, id: string | undefined): Promise<void> {
  const tenant = await initialisedTenant(services);
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
    const partner = await services.partners.create(
      tenant.id,
      { name: values.name, allowedOrigins: values.origin, verification, trustedToAssertUsers: values.trusted },
      CLI,
    );
    const described = { ...describePartner(partner), audience: tenant.id, ...(generated ? { secret: generated } : {}) };
    if (values.json) console.log(JSON.stringify(described));
    else {
      console.log(
        `${partner.id} ${partner.name}: init tokens need iss=${partner.id}, aud=${tenant.id}, typ=tessera-init+jwt, exp ≤ 5 min, a unique jti`,
      );
      if (generated) console.log(`HS256 secret (shown once): ${generated}`);
    }
  } else if (action === 'list') {
    const list = (await services.partners.list(tenant.id)).map(describePartner);
    if (values.json) console.log(JSON.stringify(list));
    else
      for (const p of list)
        console.log(
          `${p.id}  ${p.name.padEnd(16)} ${Object.keys(p.verification)[0].padEnd(12)} ${p.trustedToAssertUsers ? 'trusted ' : '        '} ${p.allowedOrigins.join(' ')}`,
        );
  } else if (action === 'remove' && id) {
    await services.partners.remove(tenant.id, id, CLI);
    console.log(values.json ? JSON.stringify({ id, removed: true }) : `${id} removed`);
  } else {
    throw new UsageError(action ? `unknown or incomplete: partners ${action}` : 'partners needs an action', 'partners');
  }
}

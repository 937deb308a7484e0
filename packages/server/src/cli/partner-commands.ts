import { readFileSync } from 'node:fs';
import { newSecret } from '../ids.js';
import type { Services } from '../services.js';
import { describePartner } from '../tenancy/index.js';
import { USAGE, values } from './arguments.js';
import { CLI, initialisedTenant } from './initialised-tenant.js';

/** `tessera partners add|list|remove`. */
export async function partnerCommand(services: Services, action: string | undefined, id: string | undefined): Promise<void> {
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
    throw new Error(USAGE);
  }
}

import Fastify, { type FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import type { Partner } from '../store/index.js';
import { INIT_TOKEN_TYP } from '../sign-in/index.js';
import { loadServerSecret } from '../tokens/index.js';
import { signHs256, timedClaims } from './hs256.js';
import { partnerPage } from './pages.js';

export const DEMO_PARTNER_NAME = 'Demo partner site';
const INIT_TOKEN_LIFETIME_SECONDS = 120;

export interface PartnerSiteOptions {
  services: Services;
  /** Tessera's URL as the browser reaches it (where widget.js and the API are). */
  tesseraUrl: string;
  host?: string;
  port: number;
  /** The partner's registered origins. Default: http://localhost:PORT and http://127.0.0.1:PORT. */
  origins?: (port: number) => string[];
}

export interface PartnerSite {
  url: string;
  partner: Partner;
  close(): Promise<void>;
}

/**
 * A partner's site on its own port (its own origin): a page embedding the widget with
 * `data-init-token-url`, and the partner backend's route minting init tokens with the
 * partner's key. The demo partner is registered (or updated) with this site's origins.
 */
export async function startPartnerSite(options: PartnerSiteOptions): Promise<PartnerSite> {
  const { services } = options;
  const tenant = await services.tenants.first();
  if (!tenant) throw new Error('the partner demo needs an initialised data directory');
  const secret = loadServerSecret(services.config.dataDir, 'demo-partner').toString('base64url');
  let partner: Partner | null = null;
  const site: FastifyInstance = Fastify({ logger: false });

  site.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(partnerPage({ tesseraUrl: options.tesseraUrl, shopUrl: options.tesseraUrl })),
  );

  /** The partner's backend: an init token for its page (a real partner would vouch for its own visitor here). */
  site.post('/init-token', async (_request, reply) => {
    if (!partner) return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'starting' } });
    reply.header('cache-control', 'no-store');
    return {
      initToken: signHs256(
        { iss: partner.id, aud: tenant.id, ...timedClaims(services.clock.now(), INIT_TOKEN_LIFETIME_SECONDS) },
        secret,
        INIT_TOKEN_TYP,
      ),
    };
  });

  const address = await site.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const port = Number(new URL(address.replace('[::1]', '127.0.0.1')).port);
  const origins = options.origins?.(port) ?? [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  try {
    partner = await ensurePartner(services, tenant.id, origins, secret);
  } catch (error) {
    await site.close();
    throw error;
  }
  return { url: `http://${origins[0] ? new URL(origins[0]).host : `127.0.0.1:${port}`}`, partner, close: () => site.close() };
}

/** The demo partner with exactly these origins and key: kept if it matches, else replaced. */
async function ensurePartner(services: Services, tenantId: string, origins: string[], secret: string): Promise<Partner> {
  const existing = (await services.partners.list(tenantId)).filter((p) => p.name === DEMO_PARTNER_NAME);
  const same = (p: Partner) =>
    'secret' in p.verification &&
    p.verification.secret === secret &&
    p.allowedOrigins.length === origins.length &&
    origins.every((o) => p.allowedOrigins.includes(o));
  const keep = existing.find(same);
  for (const stale of existing) if (stale !== keep) await services.partners.remove(tenantId, stale.id);
  return (
    keep ??
    (await services.partners.create(
      tenantId,
      { name: DEMO_PARTNER_NAME, allowedOrigins: origins, verification: { secret } },
      { actor: 'system' },
    ))
  );
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describePartner } from '../tenancy/index.js';
import type { Services } from '../services.js';
import { requireSecretKey } from './guards.js';
import { noContent, secretKeySecurity } from './schemas.js';
import { errorResponses, secretKeyErrors } from './error-schema.js';
import { named } from '../edge/schema-registry.js';

const verification = z
  .union([
    z.object({ secret: z.string().describe('HS256 shared secret, at least 32 bytes') }).strict(),
    z
      .object({ publicKeyPem: z.string().describe('SPKI PEM public key: RSA ≥ 2048 bits (RS256/PS256), EC P-256/384/521 (ES*), Ed25519') })
      .strict(),
    z.object({ jwksUrl: z.string().describe("URL of the partner's JWKS") }).strict(),
  ])
  .describe("How the partner's init tokens are verified: exactly one of the three");

const partnerSchema = named(
  'Partner',
  z.object({
    id: z.string().describe('ptn_...'),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    verification: z.record(z.string(), z.string()).describe('A secret is shown as "[set]"'),
    trustedToAssertUsers: z.boolean(),
    createdAt: z.number().int(),
  }),
  'A partner that embeds the chat with init tokens it signs',
);
const errors = errorResponses(...secretKeyErrors);
const params = z.object({ id: z.string().min(1).max(64) });
const TAG = 'Partners';

/**
 * Partners who embed the chat on their own sites with init tokens they sign
 * (`iss` = partner id, `aud` = tenant id, `typ` = tessera-init+jwt, ≤ 5 min, single-use `jti`).
 */
export function partnerRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/partners',
      {
        schema: {
          tags: [TAG],
          summary: 'Add a partner',
          description:
            'Init tokens of the partner are accepted only from `allowedOrigins` (exact match). With `trustedToAssertUsers`, a `user` claim ({id, name?, avatar?, custom?}) in its init tokens starts the session signed in as that user; otherwise the claim is ignored. Scope `admin`.',
          security: secretKeySecurity,
          body: z
            .object({
              name: z.string().min(1).max(100),
              allowedOrigins: z.array(z.string().max(300)).min(1).max(50),
              verification,
              trustedToAssertUsers: z.boolean().optional(),
            })
            .strict(),
          response: { 201: partnerSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'admin');
        const partner = await services.partners.create(tenant.id, request.body, { actor: key.id });
        return reply.status(201).send(describePartner(partner));
      },
    );

    app.get(
      '/v1/partners',
      {
        schema: {
          tags: [TAG],
          summary: 'List partners',
          description: 'Scope `admin`.',
          security: secretKeySecurity,
          response: { 200: z.object({ partners: z.array(partnerSchema) }), ...errors },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        return { partners: (await services.partners.list(tenant.id)).map(describePartner) };
      },
    );

    app.get(
      '/v1/partners/:id',
      {
        schema: {
          tags: [TAG],
          summary: 'Get a partner',
          description: 'Scope `admin`.',
          security: secretKeySecurity,
          params,
          response: { 200: partnerSchema, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        return describePartner(await services.partners.get(tenant.id, request.params.id));
      },
    );

    app.delete(
      '/v1/partners/:id',
      {
        schema: {
          tags: [TAG],
          summary: 'Remove a partner',
          description: 'Its init tokens stop being accepted at once; sessions it already started go on. Scope `admin`.',
          security: secretKeySecurity,
          params,
          response: { 204: noContent, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'admin');
        await services.partners.remove(tenant.id, request.params.id, { actor: key.id });
        return reply.status(204).send();
      },
    );
  };
}

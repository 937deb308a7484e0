import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeKey, describeSettings, SCOPES, settingsPatchSchema } from '../tenancy/index.js';
import type { Services } from '../services.js';
import { requireSecretKey } from './guards.js';
import { optionalBody } from './optional-body.js';
import { noContent, secretKeySecurity } from './schemas.js';
import { errorResponses, secretKeyErrors } from './error-schema.js';
import { named } from '../edge/schema-registry.js';

const keyParams = z.object({ id: z.string().max(64) });
const keySchema = named(
  'ApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['secret', 'publishable']),
    scopes: z.array(z.string()),
    allowedIps: z.array(z.string()).nullable(),
    expiresAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
    lastUsedAt: z.number().int().nullable().describe('Updated at most once a minute'),
    replacedBy: z.string().nullable(),
    rateLimitPerMinute: z.number().int().nullable(),
    prefix: z.string().describe('sk_<id> or pk_<id>: enough to recognise a key, never enough to use it'),
  }),
  'An API key: never its secret',
);
const newKeySchema = named(
  'NewApiKey',
  keySchema.extend({ key: z.string().describe('The key itself: shown once, only its hash is stored') }),
  'A new API key, with the key itself (shown once)',
);
const part = z.record(z.string(), z.unknown());
const settingsSchema = named(
  'Settings',
  z.looseObject({
    tenantId: z.string(),
    allowedOrigins: z.array(z.string()),
    sessions: part.optional(),
    tokens: part.optional(),
    limits: part.optional(),
    retention: part.optional(),
    identity: part.nullable().optional(),
    agent: part.optional().describe('With `signingSecret` (shown once) when a PATCH set `agent.url` and made the secret'),
    oauth: part.optional(),
    passkeys: part.optional(),
    accounts: part.optional(),
  }),
  "The tenant's settings; secrets are never shown again (`[set]`)",
);
const errors = errorResponses(...secretKeyErrors);
const ADMIN = { tags: ['Admin'], security: secretKeySecurity };

/** Tenant settings and API keys: secret keys with the `admin` scope only. Every change is audited. */
export function adminRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const readSettings = {
      ...ADMIN,
      summary: 'Read tenant settings',
      description: 'Scope `admin`.',
      response: { 200: settingsSchema, ...errors },
    };
    app.get('/v1/settings', { schema: readSettings }, async (request) => {
      const { tenant } = await requireSecretKey(services, request, 'admin');
      return { tenantId: tenant.id, ...describeSettings(tenant.settings) };
    });

    app.patch(
      '/v1/settings',
      {
        schema: {
          ...ADMIN,
          summary: 'Change tenant settings',
          description:
            'Any of allowedOrigins, identity, sessions, tokens, limits, retention, agent. Setting `agent.url` while the tenant has no agent signing secret makes one and shows it, once, as `agent.signingSecret` (`whsec_...`, Standard Webhooks). Scope `admin`.',
          body: settingsPatchSchema,
          response: { 200: settingsSchema, ...errors },
        },
      },
      async (request) => {
        const { key, tenant } = await requireSecretKey(services, request, 'admin');
        const by = { actor: key.id };
        const settings = await services.tenants.updateSettings(tenant.id, request.body, by);
        const described = { tenantId: tenant.id, ...describeSettings(settings) };
        // After the settings are stored: a failure here leaves the next PATCH to make the secret.
        const signingSecret = request.body.agent?.url ? await services.agentSecrets.ensure(tenant.id, by) : null;
        if (signingSecret === null) return described;
        return { ...described, agent: { ...(settings as { agent?: object }).agent, signingSecret } };
      },
    );

    app.post(
      '/v1/settings/agent/rotate-secret',
      {
        schema: {
          ...ADMIN,
          summary: 'Rotate the agent signing secret',
          description:
            'A new signing secret for requests to the agent backend, shown once. The previous one keeps signing next to it (two `v1,` signatures) until `previousSecretExpiresAt` (24 h). Scope `admin`.',
          response: {
            201: z.object({
              signingSecret: z.string().describe('whsec_...: shown once, stored sealed'),
              previousSecretExpiresAt: z.number().int().nullable().describe('Epoch ms; null when there was no previous secret'),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'admin');
        return reply.status(201).send(await services.agentSecrets.rotate(tenant.id, { actor: key.id }));
      },
    );

    app.post(
      '/v1/keys',
      {
        schema: {
          ...ADMIN,
          summary: 'Create an API key',
          description:
            'A secret key (`sk_...`, for backends; scopes default to `tokens:write` only; ask for `admin` by name) or a publishable key (`pk_...`, for browsers). `allowedIps` restricts where it may be used from (addresses or CIDR blocks). Scope `admin`.',
          body: z
            .object({
              name: z.string().min(1).max(100),
              kind: z.enum(['secret', 'publishable']),
              scopes: z.array(z.enum(SCOPES)).min(1).optional(),
              allowedIps: z.array(z.string().max(64)).min(1).max(100).optional().describe('e.g. ["203.0.113.0/24", "2001:db8::/32"]'),
              expiresAt: z.number().int().positive().optional().describe('Epoch ms'),
              rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional().describe("This key's own limit; default: the server's"),
            })
            .strict(),
          response: { 201: newKeySchema, ...errors },
        },
      },
      async (request, reply) => {
        const { key: actor, tenant } = await requireSecretKey(services, request, 'admin');
        const { key, plaintext } = await services.apiKeys.create({ tenantId: tenant.id, ...request.body }, { actor: actor.id });
        return reply.status(201).send({ ...describeKey(key), key: plaintext });
      },
    );

    app.get(
      '/v1/keys',
      {
        schema: {
          ...ADMIN,
          summary: 'List API keys',
          description: 'Never their secrets. Scope `admin`.',
          response: { 200: z.object({ keys: z.array(keySchema) }), ...errors },
        },
      },
      async (request) => {
        const { tenant } = await requireSecretKey(services, request, 'admin');
        return { keys: (await services.apiKeys.list(tenant.id)).map(describeKey) };
      },
    );

    app.post(
      '/v1/keys/:id/rotate',
      {
        schema: {
          ...ADMIN,
          summary: 'Rotate an API key',
          description:
            'A new key with the same name and powers; the old one keeps working for `graceSeconds` (default 0), then answers INVALID_API_KEY. Scope `admin`.',
          params: keyParams,
          body: optionalBody(
            z
              .object({
                graceSeconds: z
                  .number()
                  .int()
                  .min(0)
                  .max(30 * 86400)
                  .optional(),
              })
              .strict()
              .default({}),
          ),
          response: { 201: newKeySchema, ...errorResponses(...secretKeyErrors, 404, 409) },
        },
      },
      async (request, reply) => {
        const { key: actor, tenant } = await requireSecretKey(services, request, 'admin');
        const { key, plaintext } = await services.apiKeys.rotate(tenant.id, request.params.id, request.body.graceSeconds, {
          actor: actor.id,
        });
        return reply.status(201).send({ ...describeKey(key), key: plaintext });
      },
    );

    app.delete(
      '/v1/keys/:id',
      {
        schema: {
          ...ADMIN,
          summary: 'Revoke an API key',
          description: 'Effective on the very next request. Scope `admin`.',
          params: keyParams,
          response: { 204: noContent, ...errorResponses(...secretKeyErrors, 404) },
        },
      },
      async (request, reply) => {
        const { key: actor, tenant } = await requireSecretKey(services, request, 'admin');
        await services.apiKeys.revoke(tenant.id, request.params.id, { actor: actor.id });
        return reply.status(204).send();
      },
    );
  };
}

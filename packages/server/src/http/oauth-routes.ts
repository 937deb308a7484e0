import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JWT_TOKEN_TYPE } from '../agents/index.js';
import { isTesseraError } from '../errors.js';
import type { Services } from '../services.js';
import { requireSecretKey } from './guards.js';
import { secretKeySecurity } from './schemas.js';
import { named } from '../edge/schema-registry.js';

const FORM = 'application/x-www-form-urlencoded';
const TAG = 'Backend';
/** Form bodies here are a few tokens: far below the server's general limit. */
const BODY_LIMIT_BYTES = 64 * 1024;

const param = z.string().max(16_384);
/** A parameter that may be given more than once (RFC 8693 `audience`, `resource`). */
const repeatable = z.union([param, z.array(param).max(20)]);

// Unknown parameters are ignored (RFC 6749 §3.2); a single-valued one given twice is invalid_request.
const exchangeForm = z.looseObject({
  grant_type: param.optional().describe('`urn:ietf:params:oauth:grant-type:token-exchange`'),
  subject_token: param.optional().describe('An access token or a tool token of one of your sessions'),
  subject_token_type: param
    .optional()
    .describe('`urn:ietf:params:oauth:token-type:access_token` (access token) or `urn:ietf:params:oauth:token-type:jwt` (tool token)'),
  requested_token_type: param.optional().describe('Only `urn:ietf:params:oauth:token-type:jwt` (a tool token) is issued'),
  audience: repeatable.optional().describe('Must be your tool audience (`agent.toolAudience`, default `tessera:tools:<tenantId>`)'),
  resource: repeatable.optional().describe('Like `audience`'),
  scope: param.optional().describe("Space-separated; a subset of the subject's scope. Default: the subject's scope"),
  actor_token: param.optional().describe('Not supported (refused)'),
});

const introspectForm = z.looseObject({
  token: param.optional().describe('An access token or a tool token'),
  token_type_hint: param.optional().describe('Ignored: both kinds are recognised'),
});

const oauthError = named(
  'OAuthError',
  z.object({ error: z.string().describe('RFC 6749 error code, e.g. invalid_grant'), error_description: z.string().optional() }),
  'An RFC 6749 error (these routes only)',
);
const oauthErrors = { 400: oauthError, 401: oauthError, 429: oauthError, 500: oauthError };

const exchanged = z.object({
  access_token: z.string().describe('A tool token (`typ: tessera-tool+jwt`)'),
  issued_token_type: z.literal(JWT_TOKEN_TYPE),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('Seconds; at most 300'),
  scope: z.string(),
});

const introspected = z.looseObject({
  active: z.boolean(),
  typ: z.enum(['at+jwt', 'tessera-tool+jwt']).optional().describe('Which kind of token: access token or tool token'),
  iss: z.string().optional(),
  sub: z.string().optional(),
  uid: z.string().optional(),
  sid: z.string().optional(),
  aud: z.string().optional(),
  scope: z.string().optional().describe('Tool tokens only'),
  cid: z.string().optional().describe('The conversation (tool tokens of a turn)'),
  act: z.object({ sub: z.string() }).optional(),
  client_id: z.string().optional().describe('The key that obtained the token by exchange'),
  auth_time: z.number().int().optional(),
  amr: z.array(z.string()).optional(),
  iat: z.number().int().optional(),
  exp: z.number().int().optional(),
  jti: z.string().optional(),
});

const INTROSPECT = '/v1/oauth/introspect';

/**
 * The OAuth endpoints of tool tokens, for customer backends and their tool APIs (secret key):
 * RFC 8693 token exchange (scope `tokens:exchange`) and RFC 7662 introspection (scope
 * `tokens:introspect`). Form-encoded in, JSON out, never cached; errors are RFC 6749
 * `{error, error_description}`, not Tessera's `{error:{code,message}}`.
 */
export function oauthRoutes(services: Services): FastifyPluginAsyncZod {
  const { tokenExchange, introspection } = services;
  return async (app) => {
    // This scope only: form bodies (RFC 6749 §4.1.3), nothing else.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
      done(null, parseForm(body as string));
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      reply.header('pragma', 'no-cache');
      return payload;
    });
    app.setErrorHandler((error: FastifyError, request, reply) => sendError(request, reply, error));

    app.post(
      '/v1/oauth/token',
      {
        bodyLimit: BODY_LIMIT_BYTES,
        schema: {
          tags: [TAG],
          summary: 'Exchange a token for a tool token (RFC 8693)',
          description:
            "Trades a live access token or tool token of one of your sessions for a new tool token of the same session and person (`sub`, `uid`, `sid`, `auth_time`, `amr` kept), e.g. with a narrower `scope`. Never wider: a scope the subject does not have is `invalid_scope`, an audience other than your tool audience `invalid_target`; nothing is narrowed silently. A tool token's successor expires no later than it. Errors are RFC 6749 `{error, error_description}`: `invalid_request`, `unsupported_grant_type`, `invalid_grant` (the subject token is bad, expired, revoked, superseded by a sign-in or another tenant's), `invalid_scope`, `invalid_target` (400), `invalid_client` (401), `unauthorized_client` (400, the key lacks the scope). Scope `tokens:exchange`.",
          security: secretKeySecurity,
          consumes: [FORM],
          body: exchangeForm,
          response: { 200: exchanged, ...oauthErrors },
        },
      },
      async (request, reply) => {
        const { key, tenant } = await requireSecretKey(services, request, 'tokens:exchange');
        const { audience, resource, ...single } = request.body;
        const result = await tokenExchange.exchange(tenant, key.id, { ...single, audience: listOf(audience), resource: listOf(resource) });
        if ('error' in result) return reply.status(400).send({ error: result.error, error_description: result.description });
        return {
          access_token: result.accessToken,
          issued_token_type: result.issuedTokenType,
          token_type: result.tokenType,
          expires_in: result.expiresInSeconds,
          scope: result.scope,
        };
      },
    );

    app.post(
      INTROSPECT,
      {
        bodyLimit: BODY_LIMIT_BYTES,
        schema: {
          tags: [TAG],
          summary: 'Introspect an access or tool token (RFC 7662)',
          description:
            "`{active: true, typ, sub, uid, sid, aud, scope, cid, act, auth_time, amr, iat, exp, jti, client_id}` for a live access token (`typ: at+jwt`) or tool token (`typ: tessera-tool+jwt`) of one of your sessions; `{active: false}` for anything else: expired, forged, another tenant's, or its session revoked, logged out, linked to a user since (an anonymous token), erased or expired. Scope `tokens:introspect`.",
          security: secretKeySecurity,
          consumes: [FORM],
          body: introspectForm,
          response: { 200: introspected, ...oauthErrors },
        },
      },
      async (request, reply) => {
        const { tenant } = await requireSecretKey(services, request, 'tokens:introspect');
        if (!request.body.token) return reply.status(400).send({ error: 'invalid_request', error_description: 'token is required' });
        return introspection.introspect(tenant, request.body.token);
      },
    );
  };
}

/** A form body as fields; a field given more than once becomes a list (refused where one value is expected). */
function parseForm(body: string): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = fields.get(name);
    fields.set(name, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
  }
  return Object.fromEntries(fields);
}

function listOf(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

/** Every failure on these routes, as RFC 6749 `{error, error_description}`. */
function sendError(request: FastifyRequest, reply: FastifyReply, error: FastifyError) {
  const send = (status: number, code: string, description: string) =>
    reply.status(status).send({ error: code, error_description: description });
  if (isTesseraError(error)) {
    if (error.code === 'INVALID_API_KEY') {
      // RFC 6749 §5.2: a client that authenticated with the Authorization header is told its scheme.
      if (request.headers.authorization) reply.header('www-authenticate', 'Bearer realm="tessera"');
      return send(401, 'invalid_client', 'invalid API key');
    }
    if (error.code === 'FORBIDDEN') {
      // The key is genuine but may not do this (scope, address): RFC 6749 unauthorized_client; RFC 7662 §2.3: 401.
      return request.routeOptions.url === INTROSPECT
        ? send(401, 'insufficient_scope', error.message)
        : send(400, 'unauthorized_client', error.message);
    }
    if (error.code === 'RATE_LIMITED') {
      if (error.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(error.retryAfterMs / 1000));
      return send(429, 'temporarily_unavailable', error.message);
    }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const field = issue?.instancePath.replace(/^\//, '').split('/')[0];
    return send(400, 'invalid_request', field ? `${field} is malformed or given more than once` : 'the body must be form fields');
  }
  const status = error.statusCode ?? 500;
  if (status === 415) return send(400, 'invalid_request', `the body must be ${FORM}`);
  if (status >= 400 && status < 500) return send(status, 'invalid_request', error.message);
  request.log.error({ err: error }, 'request failed');
  return send(500, 'server_error', 'internal error');
}

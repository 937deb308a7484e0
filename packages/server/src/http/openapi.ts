import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { referenceSchemas } from '../edge/schema-registry.js';
import { dropUnusedComponents } from './unused-components.js';
import { describeResponses } from './response-descriptions.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  /** Routes left out of the document on purpose (the docs page's own assets). */
  hidden: boolean;
}

const DESCRIPTION = `Identity and session layer for AI chat agents.

Browsers and apps use a publishable key (\`X-Tessera-Key: pk_...\`) or a bearer access token;
customer backends use a secret key (\`Authorization: Bearer sk_...\` or \`X-API-Key: sk_...\`)
whose scopes (\`tokens:write\`, \`sessions:write\`, \`users:read\`, \`users:delete\`, \`tokens:exchange\`, \`tokens:introspect\`, \`admin\`) are
checked on every route. Every error is \`{"error":{"code":"UPPER_SNAKE","message":"..."}}\` (the \`Error\` schema).
Real-time chat runs over the WebSocket at \`GET /v1/ws\`: its frames are in the AsyncAPI 3.0 document at \`/asyncapi.json\`.
The authorization server metadata (RFC 8414) is at \`/.well-known/oauth-authorization-server\`.`;

const transformObject = createJsonSchemaTransformObject({ schemaRegistry: referenceSchemas });

const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40"><text x="0" y="29" font-family="sans-serif" font-size="26" font-weight="700" fill="#ffffff">Tessera</text></svg>';

/** Strict enough for the docs page's own scripts; nothing is loaded from anywhere else. */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'self'; form-action 'self'";

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests and
 * serialize responses (one source of truth; the named ones are `components.schemas`), served
 * at `/openapi.json`, and a reference page at `/docs` (Swagger UI, its assets bundled in the
 * package and served from here: no CDN).
 * Call before any route is registered; returns the list of every route registered after.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<RegisteredRoute[]> {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routes.push({ method, url: route.url, hidden });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tessera API', version, description: DESCRIPTION },
      tags: [
        { name: 'Sessions', description: 'Anonymous sessions, refresh, logout, me: called from browsers and apps' },
        { name: 'Sign-in', description: 'Linking a session to a user mid-conversation' },
        { name: 'Conversations', description: "The caller's own conversations" },
        { name: 'Backend', description: 'Called by customer backends with a secret key' },
        { name: 'Users', description: 'Data access, erasure and usage (secret key)' },
        { name: 'Partners', description: 'Third-party embedding with init tokens (scope admin)' },
        { name: 'Admin', description: 'Keys, settings and the audit log (scope admin)' },
        { name: 'WebSocket', description: 'The real-time channel' },
        { name: 'Health', description: 'Probes and public keys' },
      ],
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer', description: 'A secret API key, `sk_...`' },
          secretKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A secret API key, `sk_...`' },
          accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (`typ: at+jwt`)' },
          publishableKey: { type: 'apiKey', in: 'header', name: 'X-Tessera-Key', description: 'A publishable key, `pk_...`' },
        },
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: referenceSchemas }),
    transformObject: (document) => {
      const built = transformObject(document);
      // Every named schema is made twice (as read and as written); only the ones used are kept.
      dropUnusedComponents(built);
      describeResponses(built);
      return built;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0 },
    theme: { title: 'Tessera API reference' },
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO_SVG) },
  });
  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['Health'],
        summary: 'This OpenAPI 3.1 document',
        response: { 200: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }).describe('OpenAPI 3.1') },
      },
    },
    async () => app.swagger(),
  );
  return routes;
}

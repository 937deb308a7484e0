import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicUrlOf } from '../edge/public-url.js';
import { named } from '../edge/schema-registry.js';
import type { Services } from '../services.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** Our secret keys, as `Authorization: Bearer sk_...` or `X-API-Key`: no registered method names them. */
const SECRET_KEY_AUTH = 'tessera_secret_key';

const metadataSchema = named(
  'AuthorizationServerMetadata',
  z.object({
    issuer: z.string().describe('`iss` of every token this deployment signs'),
    jwks_uri: z.string(),
    token_endpoint: z.string().describe('RFC 8693 token exchange, for tool tokens'),
    introspection_endpoint: z.string().describe('RFC 7662'),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()).describe('None: there is no authorization endpoint'),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    service_documentation: z.string(),
  }),
  'Authorization server metadata (RFC 8414)',
);

/** `GET /.well-known/oauth-authorization-server` (RFC 8414): our issuer and where its keys and endpoints are. */
export function authorizationServerRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/.well-known/oauth-authorization-server',
      {
        schema: {
          tags: ['Health'],
          summary: 'Authorization server metadata (RFC 8414)',
          description:
            'Names the issuer (`iss` of our tokens: `TESSERA_ISSUER`, default the public URL), the JWKS, and the token-exchange and introspection endpoints. Their clients authenticate with a secret key (`tessera_secret_key`: `Authorization: Bearer sk_...` or `X-API-Key`).',
          response: { 200: metadataSchema },
        },
      },
      async (_request, reply) => {
        const base = publicUrlOf(services.config, app.server);
        reply.header('cache-control', 'public, max-age=300');
        return {
          issuer: services.issuer.value,
          jwks_uri: `${base}/.well-known/jwks.json`,
          token_endpoint: `${base}/v1/oauth/token`,
          introspection_endpoint: `${base}/v1/oauth/introspect`,
          grant_types_supported: [TOKEN_EXCHANGE],
          response_types_supported: [],
          token_endpoint_auth_methods_supported: [SECRET_KEY_AUTH],
          introspection_endpoint_auth_methods_supported: [SECRET_KEY_AUTH],
          service_documentation: `${base}/docs`,
        };
      },
    );
  };
}

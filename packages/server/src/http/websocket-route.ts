import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TesseraError } from '../errors.js';
import { errorResponses } from './error-schema.js';

/**
 * `GET /v1/ws` as the OpenAPI document shows it. Upgrades never reach this handler
 * (the gateway takes them from the server's `upgrade` event); a plain GET is told
 * to upgrade.
 */
export function websocketRoute(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/ws',
      {
        schema: {
          tags: ['WebSocket'],
          summary: 'Open the chat WebSocket',
          description: [
            'Authentication happens in the handshake, never after it, by one of:',
            '- the access token as a subprotocol: `new WebSocket(url, ["tessera.v1", "bearer." + token])` (preferred);',
            '- `?token=<access token>` (accepted, redacted from logs);',
            "- `?init=<partner init token>` (only from that partner's allowed origins): starts a session;",
            '- `?key=pk_...` with no token: starts a new anonymous session, sent as the first frame.',
            '',
            'The `Origin` must be an allowed origin of the tenant (or partner), else the upgrade is refused with 403.',
            'Close codes: 1008 invalid or revoked token, 4001 token expired, 4002 auth state changed, 1009 frame too large, 1012 server restart.',
            'Every frame, both ways, and the close codes: the AsyncAPI 3.0 document at `/asyncapi.json`.',
          ].join('\n'),
          querystring: z.object({
            token: z.string().optional().describe('An access token (prefer the subprotocol)'),
            init: z.string().optional().describe("A partner's init token"),
            key: z.string().optional().describe('A publishable key, `pk_...`'),
          }),
          response: {
            101: z.undefined().describe('Switching Protocols: the socket is open (an `Upgrade: websocket` request)'),
            ...errorResponses(400, 401, 403, 429, 503),
          },
        },
      },
      async () => {
        throw new TesseraError('BAD_REQUEST', 'this is a WebSocket endpoint: connect with an Upgrade request');
      },
    );
  };
}

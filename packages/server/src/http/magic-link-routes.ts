import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseCookies } from '../edge/cookies.js';
import { isTesseraError } from '../errors.js';
import type { Services } from '../services.js';
import { sendPage } from './html-page.js';
import { magicLinkForm } from './mail-pages.js';

const FORM = 'application/x-www-form-urlencoded';
const tokenParams = z.object({ token: z.string().min(1).max(128) });
/** The cookie that marks the browser that started a flow (`POST /v1/auth/flows`, magic_link). */
export const magicLinkCookie = (flowId: string) => `tessera_ml_${flowId}`;

/**
 * A magic link's page: the GET shows a confirmation and consumes nothing (mail scanners fetch
 * links); the POST confirms, and the chat that asked is signed in. Left out of the API reference:
 * these are pages for people.
 */
export function magicLinkRoutes(services: Services): FastifyPluginAsyncZod {
  const { magicLinks } = services;
  const browserKeyOf = (cookieHeader: string | undefined, flowId: string | undefined) =>
    flowId ? parseCookies(cookieHeader)[magicLinkCookie(flowId)] : undefined;

  return async (app) => {
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const hide = { hide: true };

    app.get('/v1/auth/magic/:token', { schema: { ...hide, params: tokenParams } }, async (request, reply) => {
      const { token } = request.params;
      const view = await magicLinks.view(token, (flowId) => browserKeyOf(request.headers.cookie, flowId));
      if (view.state === 'used')
        return sendPage(reply, 410, 'This link has expired', '<p>It was already used, or it is too old. Ask the chat for a new one.</p>');
      return sendPage(reply, 200, 'Sign in to the chat', magicLinkForm(request.url, view));
    });

    app.post(
      '/v1/auth/magic/:token',
      { schema: { ...hide, params: tokenParams, body: z.looseObject({ matchCode: z.string().max(8).optional() }) } },
      async (request, reply) => {
        const { token } = request.params;
        try {
          await magicLinks.confirm(token, {
            matchCode: request.body.matchCode,
            browserKey: (flowId) => browserKeyOf(request.headers.cookie, flowId),
          });
          return sendPage(reply, 200, 'You are signed in', '<p>Go back to the chat: it continues as you. You can close this page.</p>');
        } catch (error) {
          if (!isTesseraError(error)) throw error;
          if (error.code === 'CODE_INVALID') {
            const view = await magicLinks.view(token, () => undefined);
            if (view.state === 'pending')
              return sendPage(reply, 401, 'Sign in to the chat', magicLinkForm(request.url, view, error.message));
          }
          const status = error.code === 'CONFLICT' ? 409 : 410;
          return sendPage(
            reply,
            status,
            'This link cannot sign you in',
            `<p>${error.code === 'CONFLICT' ? 'The chat is signed in as someone else.' : 'It was already used, or it is too old. Ask the chat for a new one.'}</p>`,
          );
        }
      },
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicUrlOf } from '../edge/public-url.js';
import { isTesseraError } from '../errors.js';
import type { Services } from '../services.js';
import { clientIpOf, requirePublishableKey } from './guards.js';
import { escapeHtml } from '../html.js';
import { sendPage } from './html-page.js';
import { errorResponses, publishableKeyErrors } from './error-schema.js';
import { htmlPage, noContent } from './schemas.js';

const FORM = 'application/x-www-form-urlencoded';
const confirmBody = z.object({ token: z.string().min(1).max(128), password: z.string().min(1).max(1024) }).strict();

/** Hosted accounts: a reset link mailed to the account's verified address, its page, and the new password. */
export function passwordResetRoutes(services: Services): FastifyPluginAsyncZod {
  const { passwordResets } = services;
  return async (app) => {
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    app.post(
      '/v1/auth/password-reset',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Mail a password reset link',
          description:
            "The same `202` for every address. A link goes out only to a hosted account's verified email (proven by a code or a link); it works once, for 30 minutes.",
          security: [{ publishableKey: [] }],
          body: z.object({ email: z.string().min(1).max(320) }).strict(),
          response: { 202: z.object({}).describe('Accepted: the same for every address'), ...errorResponses(...publishableKeyErrors, 503) },
        },
      },
      async (request, reply) => {
        const tenant = await requirePublishableKey(services, request);
        await passwordResets.request(tenant, request.body.email, {
          ip: clientIpOf(request),
          publicUrl: publicUrlOf(services.config, request.server.server),
        });
        return reply.status(202).send({});
      },
    );

    app.post(
      '/v1/auth/password-reset/confirm',
      {
        schema: {
          tags: ['Sign-in'],
          summary: 'Choose a new password',
          description:
            'With the mailed token: `204`, and every session of the account is revoked. A used or expired token is `410 FLOW_EXPIRED`. The reset page posts here as a form and gets a page back.',
          body: confirmBody,
          response: {
            200: htmlPage('From the reset page (a form post): the page for people, also for its errors (400, 410)'),
            204: noContent.describe('Changed; every session of the account is revoked'),
            ...errorResponses(400, 410, 429),
          },
        },
      },
      async (request, reply) => {
        const fromPage = request.headers['content-type']?.startsWith(FORM) ?? false;
        try {
          await passwordResets.confirm(request.body.token, request.body.password);
        } catch (error) {
          if (!fromPage || !isTesseraError(error)) throw error;
          if (error.code === 'BAD_REQUEST')
            return sendPage(reply, 400, 'Choose a new password', resetForm(request.body.token, error.message));
          return sendPage(reply, 410, 'This link has expired', '<p>It was already used, or it is too old. Ask for a new one.</p>');
        }
        if (fromPage)
          return sendPage(reply, 200, 'Your password is changed', '<p>You are signed out everywhere. Sign in with your new password.</p>');
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/auth/password-reset/:token',
      { schema: { hide: true, params: z.object({ token: z.string().min(1).max(128) }) } },
      async (request, reply) => sendPage(reply, 200, 'Choose a new password', resetForm(request.params.token)),
    );
  };
}

function resetForm(token: string, error?: string): string {
  return `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/v1/auth/password-reset/confirm">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required autofocus>
<button type="submit">Change password</button></form>`;
}

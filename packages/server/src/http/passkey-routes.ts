import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { passkeyResponse } from '../edge/passkey-response.js';
import { publicUrlOf } from '../edge/public-url.js';
import type { Services } from '../services.js';
import { describePasskey } from '../sign-in/passkey-owner.js';
import { requireAccessToken } from './guards.js';
import { optionalBody } from './optional-body.js';
import { accessTokenErrors, errorResponses } from './error-schema.js';
import { noContent } from './schemas.js';

const passkeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
});
const descriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });
/** WebAuthn's JSON options, as @simplewebauthn/browser's `startRegistration` takes them (no extensions are asked for). */
const creationOptions = z
  .object({
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
    timeout: z.number().int().optional(),
    excludeCredentials: z.array(descriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.string().optional(),
        residentKey: z.string().optional(),
        requireResidentKey: z.boolean().optional(),
        userVerification: z.string().optional(),
      })
      .optional(),
    hints: z.array(z.string()).optional(),
    attestation: z.string().optional(),
    attestationFormats: z.array(z.string()).optional(),
  })
  .describe('PublicKeyCredentialCreationOptionsJSON');
/** As `startAuthentication` takes them. */
const requestOptions = z
  .object({
    challenge: z.string(),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(descriptor).optional(),
    userVerification: z.string().optional(),
    hints: z.array(z.string()).optional(),
  })
  .describe('PublicKeyCredentialRequestOptionsJSON');
const noBody = optionalBody(z.object({}).strict().optional());
const security = [{ accessToken: [] }];

/** Passkeys: a signed-in user registers and manages theirs; any chat asks for sign-in options. */
export function passkeyRoutes(services: Services): FastifyPluginAsyncZod {
  const { passkeys } = services;
  return async (app) => {
    const publicUrl = () => publicUrlOf(services.config, app.server);

    app.post(
      '/v1/passkeys/registration/options',
      {
        schema: {
          tags: ['Passkeys'],
          summary: 'Options to register a passkey',
          description:
            "For `navigator.credentials.create()` (or @simplewebauthn/browser's `startRegistration`): a challenge bound to this signed-in session, valid 5 minutes, used once. The user's passkeys are excluded. An anonymous session is `403 FORBIDDEN`.",
          security,
          body: noBody,
          response: { 200: creationOptions, ...errorResponses(...accessTokenErrors) },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        return reply.header('cache-control', 'no-store').send(await passkeys.registrationOptions(session, publicUrl()));
      },
    );

    app.post(
      '/v1/passkeys/registration',
      {
        schema: {
          tags: ['Passkeys'],
          summary: 'Register a passkey',
          description:
            "The authenticator's `RegistrationResponseJSON` for this session's registration options. The passkey becomes one of the user's ways to sign in. `401 INVALID_CREDENTIALS` when it does not verify (wrong origin or RP ID, no user verification, no or a used challenge); `409 CONFLICT` when it is already registered.",
          security,
          body: z.object({ response: passkeyResponse, name: z.string().min(1).max(100).optional() }).strict(),
          response: { 201: z.object({ passkey: passkeyInfo }), ...errorResponses(...accessTokenErrors, 409) },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        const passkey = await passkeys.register(session, request.body.response, request.body.name);
        return reply.status(201).send({ passkey: describePasskey(passkey) });
      },
    );

    app.get(
      '/v1/passkeys',
      {
        schema: {
          tags: ['Passkeys'],
          summary: "The signed-in user's passkeys",
          security,
          response: { 200: z.object({ passkeys: z.array(passkeyInfo) }), ...errorResponses(...accessTokenErrors) },
        },
      },
      async (request) => {
        const { session } = await requireAccessToken(services, request);
        return { passkeys: (await passkeys.list(session)).map(describePasskey) };
      },
    );

    app.delete(
      '/v1/passkeys/:id',
      {
        schema: {
          tags: ['Passkeys'],
          summary: 'Remove one of your passkeys',
          description:
            "`404 NOT_FOUND` for a passkey that is not the signed-in user's; `409 CONFLICT` when it is their last way to sign in.",
          security,
          params: z.object({ id: z.string().min(1).max(64) }),
          response: { 204: noContent, ...errorResponses(...accessTokenErrors, 404, 409) },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        await passkeys.remove(session, request.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/passkeys/authentication/options',
      {
        schema: {
          tags: ['Passkeys'],
          summary: 'Options to sign in with a passkey',
          description:
            'For `navigator.credentials.get()` (or `startAuthentication`): no credentials listed (the authenticator offers its passkeys for this site), user verification required, a challenge bound to this session, valid 5 minutes, used once. Answer with `POST /v1/auth/link {method: "passkey", response}` or the socket frame `{type: "authenticate", method: "passkey", response}`.',
          security,
          body: noBody,
          response: { 200: requestOptions, ...errorResponses(...accessTokenErrors) },
        },
      },
      async (request, reply) => {
        const { session } = await requireAccessToken(services, request);
        return reply.header('cache-control', 'no-store').send(await passkeys.authenticationOptions(session, publicUrl()));
      },
    );
  };
}

import type { IdentityInfo } from '@tessera/protocol';
import { z } from 'zod';
import { conversationInfoSchema, sessionInfoSchema, userInfoSchema } from '../edge/model-schemas.js';
import { named } from '../edge/schema-registry.js';

export { conversationInfoSchema, messageInfoSchema, sessionInfoSchema, userInfoSchema } from '../edge/model-schemas.js';

/**
 * Response shapes shared by routes. Responses are serialized by these zod schemas: a field a
 * handler adds that is not here is left out, and a documented field missing or of the wrong type
 * fails the request (500 INTERNAL, logged), so a route cannot answer what it does not document.
 */

const expiresAt = z.number().int().describe('Access-token expiry, epoch ms');

/** A session's tokens, as a browser or an app gets them. */
export const sessionTokensSchema = named(
  'SessionTokens',
  z.object({
    accessToken: z.string().describe('A JWT (`typ: at+jwt`), verifiable with `/.well-known/jwks.json`'),
    refreshToken: z.string().optional().describe('Absent with `tokenTransport: "cookie"`: it is in an httpOnly cookie'),
    expiresAt,
    session: sessionInfoSchema,
    user: userInfoSchema.optional().describe("A partner's init token that asserted a user"),
  }),
  "A session's tokens",
);

/** Tokens of a session signed in as a user, as the backend routes return them. */
export const userTokensSchema = named(
  'UserTokens',
  z.object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresAt,
    session: sessionInfoSchema,
    user: userInfoSchema,
    previousConversations: z
      .array(conversationInfoSchema)
      .optional()
      .describe("The user's other conversations (when a session was linked)"),
  }),
  'Tokens of a session signed in as a user',
);

/** A session signed in mid-conversation (`POST /v1/auth/link`, sign-up with a session). */
export const linkedTokensSchema = named(
  'LinkedTokens',
  z.object({
    accessToken: z.string(),
    refreshToken: z.string().optional().describe('Absent with `tokenTransport: "cookie"`'),
    expiresAt,
    session: sessionInfoSchema,
    user: userInfoSchema,
    previousConversations: z.array(conversationInfoSchema).describe("The user's other conversations"),
  }),
  'The same session, now signed in: new tokens (the old ones stopped working)',
);

export const meSchema = named(
  'Me',
  z.object({
    session: sessionInfoSchema,
    user: userInfoSchema.nullable().describe('null for an anonymous session'),
    custom: z.record(z.string(), z.unknown()).describe("The user's custom claims ({} when anonymous)"),
  }),
  'The caller: session, user and custom claims',
);

export const identityInfoSchema = named(
  'Identity',
  z.object({
    id: z.string(),
    kind: z.enum(['external', 'password', 'oauth', 'passkey', 'email']),
    provider: z.string().optional(),
    subject: z.string().optional(),
    email: z.string().optional(),
    createdAt: z.number().int(),
  }),
  'One way a user signs in',
) satisfies z.ZodType<IdentityInfo>;

export const erasureReceiptSchema = named(
  'ErasureReceipt',
  z.object({
    subject: z.object({ kind: z.enum(['user', 'anonymous']), id: z.string() }),
    erasedAt: z.number().int(),
    deleted: z.object({
      users: z.number().int(),
      identities: z.number().int(),
      sessions: z.number().int(),
      conversations: z.number().int(),
      messages: z.number().int(),
      anonymousIds: z.number().int(),
    }),
  }),
  'What an erasure removed',
);

/** An answer with no body. */
export const noContent = z.undefined().describe('No content');

/** The security requirement of routes called by customer backends. */
type Security = Array<Record<string, string[]>>;
export const secretKeySecurity: Security = [{ secretKey: [] }, { secretKeyHeader: [] }];
export const accessTokenSecurity: Security = [{ accessToken: [] }];
export const publishableKeySecurity: Security = [{ publishableKey: [] }];

/** A page for people (text/html), for a route's `schema.response`. */
export function htmlPage(description: string) {
  return { description, content: { 'text/html': { schema: z.string() } } };
}

import { z } from 'zod';

/**
 * Response shapes shared by route schemas, for the OpenAPI document. The protocol's
 * models are exact (keep them in step with packages/protocol/src/models.ts); the
 * envelopes are loose, so a field added later is sent, never stripped.
 */
export const sessionInfoSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  anonymousId: z.string(),
  auth: z.enum(['anonymous', 'user']),
  userId: z.string().nullable(),
  ver: z.number().int(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});

export const userInfoSchema = z.object({
  id: z.string().describe("The customer's own user id"),
  name: z.string().nullable(),
  avatar: z.string().nullable(),
  custom: z.record(z.string(), z.unknown()),
});

export const conversationInfoSchema = z.object({
  id: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  preview: z.string().nullable(),
  messageCount: z.number().int(),
});

export const errorSchema = z
  .object({ error: z.object({ code: z.string().describe('Stable error code, e.g. FORBIDDEN'), message: z.string() }) })
  .describe('Every error: a stable code and a human message');

/** Tokens of a session signed in as a user, as the backend routes return them. */
export const userTokensSchema = z.looseObject({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresAt: z.number().int().describe('Access-token expiry, epoch ms'),
  session: sessionInfoSchema,
  user: userInfoSchema,
  previousConversations: z.array(conversationInfoSchema).optional().describe("The user's other conversations (when a session was linked)"),
});

/** The security requirement of routes called by customer backends. */
type Security = Array<Record<string, string[]>>;
export const secretKeySecurity: Security = [{ secretKey: [] }, { secretKeyHeader: [] }];
export const accessTokenSecurity: Security = [{ accessToken: [] }];
export const publishableKeySecurity: Security = [{ publishableKey: [] }];

import { z } from 'zod';
import { named } from '../edge/schema-registry.js';
import { identityInfoSchema, messageInfoSchema, sessionInfoSchema } from './schemas.js';

/** `GET /v1/users/{userId}/export`: everything held about a user (GDPR access). */
export const userExportSchema = named(
  'UserExport',
  z.object({
    exportedAt: z.number().int(),
    user: z.object({
      id: z.string(),
      internalId: z.string(),
      name: z.string().nullable(),
      avatar: z.string().nullable(),
      email: z.string().nullable(),
      custom: z.record(z.string(), z.unknown()),
      hasPassword: z.boolean(),
      createdAt: z.number().int(),
      updatedAt: z.number().int(),
    }),
    identities: z.array(identityInfoSchema),
    passkeys: z.array(z.object({ id: z.string(), name: z.string(), createdAt: z.number().int(), lastUsedAt: z.number().int().nullable() })),
    anonymousIds: z.array(z.string()),
    sessions: z.array(sessionInfoSchema.extend({ revokedAt: z.number().int().nullable(), lastSeenAt: z.number().int() })),
    conversations: z.array(
      z.object({ id: z.string(), createdAt: z.number().int(), updatedAt: z.number().int(), messages: z.array(messageInfoSchema) }),
    ),
  }),
  'Everything held about a user: profile, ways to sign in, linked anonymous ids, sessions, conversations, messages',
);

import type { AuthRequirement, ConversationInfo, MessageInfo, SessionInfo, UserInfo } from '@tessera/protocol';
import { z } from 'zod';
import { named } from './schema-registry.js';

/**
 * The protocol's models as zod schemas: they serialize HTTP responses and describe socket frames.
 * `satisfies` keeps each in step with its type in packages/protocol/src/models.ts.
 */
export const sessionInfoSchema = named(
  'Session',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    anonymousId: z.string(),
    auth: z.enum(['anonymous', 'user']),
    userId: z.string().nullable().describe("The user's own id (the customer's), when signed in"),
    ver: z.number().int().describe('Bumped at every sign-in or sign-out: tokens of an older one stop working'),
    createdAt: z.number().int().describe('Epoch ms'),
    expiresAt: z.number().int().describe('Epoch ms'),
  }),
  'A session: anonymous, or signed in as a user',
) satisfies z.ZodType<SessionInfo>;

export const userInfoSchema = named(
  'User',
  z.object({
    id: z.string().describe("The customer's own user id"),
    name: z.string().nullable(),
    avatar: z.string().nullable(),
    custom: z.record(z.string(), z.unknown()),
  }),
  'A signed-in person',
) satisfies z.ZodType<UserInfo>;

export const conversationInfoSchema = named(
  'Conversation',
  z.object({
    id: z.string(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    preview: z.string().nullable(),
    messageCount: z.number().int(),
  }),
) satisfies z.ZodType<ConversationInfo>;

export const messageInfoSchema = named(
  'Message',
  z.object({
    id: z.string(),
    conversationId: z.string(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    clientId: z.string().nullable().describe("The client's own id of a user message"),
    replyTo: z.string().nullable(),
    createdAt: z.number().int(),
    stopped: z.literal(true).optional().describe('An assistant reply cut short by a `stop` frame'),
    replyError: z.enum(['AGENT_UNAVAILABLE', 'AGENT_TIMEOUT']).optional().describe('A user message whose reply failed: why'),
  }),
) satisfies z.ZodType<MessageInfo>;

export const authRequirementSchema = z.object({
  reason: z.string(),
  methods: z.array(z.string()).describe("Sign-in methods the agent accepts; the tenant's when it does not say"),
  maxAgeSeconds: z.number().int().optional().describe('The person must have signed in within this many seconds'),
}) satisfies z.ZodType<AuthRequirement>;

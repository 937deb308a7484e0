import { ERROR_CODES, type ErrorCode, type ServerFrame } from '@tessera/protocol';
import { z } from 'zod';
import { authRequirementSchema, conversationInfoSchema, messageInfoSchema, sessionInfoSchema, userInfoSchema } from './model-schemas.js';

const requestId = z.string().optional().describe("The `id` of the client's frame this answers");
const expiresAt = z.number().int().describe('Access-token expiry, epoch ms');
const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** Every frame the server sends, for `/asyncapi.json`; kept in step with `ServerFrame` by the check below. */
export const serverFrameSchema = z.union([
  z
    .object({ type: z.literal('session'), accessToken: z.string(), refreshToken: z.string(), expiresAt, session: sessionInfoSchema })
    .describe('The first frame of a socket opened with a publishable key (`?key=`) or an init token: the new session and its tokens'),
  z
    .object({ type: z.literal('ready'), session: sessionInfoSchema, expiresAt })
    .describe('The first frame of a socket opened with an access token'),
  z
    .object({
      type: z.literal('ack'),
      id: z.string(),
      messageId: z.string(),
      conversationId: z.string(),
      duplicate: z.boolean().optional(),
    })
    .describe("A message was stored: `id` is the client's, `messageId` ours; `duplicate` for a resend"),
  z
    .object({ type: z.literal('delta'), replyTo: z.string(), content: z.string(), conversationId: z.string() })
    .describe("Part of the agent's reply to `replyTo`, in order, before the final `message`"),
  z
    .object({
      type: z.literal('message'),
      id: z.string(),
      role: z.literal('assistant'),
      content: z.string(),
      replyTo: z.string(),
      conversationId: z.string(),
      stopped: z.literal(true).optional(),
    })
    .describe('The whole reply, the only one stored; `stopped` when a `stop` frame cut it short'),
  z
    .object({ type: z.literal('auth_required'), replyTo: z.string(), conversationId: z.string(), ...authRequirementSchema.shape })
    .describe('The agent needs a signed-in person: once the session is linked or re-authenticated, the turn runs again'),
  z
    .object({
      type: z.literal('authenticated'),
      accessToken: z.string(),
      refreshToken: z.string(),
      expiresAt,
      user: userInfoSchema,
      session: sessionInfoSchema,
      previousConversations: z.array(conversationInfoSchema),
      id: requestId,
    })
    .describe('Signed in: the same session, new tokens; other sockets of the session close with 4002'),
  z.object({ type: z.literal('refreshed'), expiresAt, id: requestId }).describe('The socket now runs on the new access token'),
  z.object({ type: z.literal('flow_completed'), flowId: z.string() }).describe('A sign-in flow of this session completed: redeem it'),
  z
    .object({ type: z.literal('flow_failed'), flowId: z.string(), code: errorCode, message: z.string() })
    .describe('A sign-in flow of this session ended without a sign-in (e.g. FLOW_DENIED, CONFLICT)'),
  z
    .object({ type: z.literal('resumed'), conversation: conversationInfoSchema, messages: z.array(messageInfoSchema), id: requestId })
    .describe('The conversation asked for, with its latest messages'),
  z.object({ type: z.literal('history'), messages: z.array(messageInfoSchema), id: requestId }).describe('Older messages'),
  z.object({ type: z.literal('pong') }).describe('The answer to `ping`'),
  z
    .object({
      type: z.literal('error'),
      code: errorCode,
      message: z.string(),
      id: requestId,
      retryAfterMs: z.number().int().optional().describe('With RATE_LIMITED'),
      replyTo: z.string().optional().describe('The user message whose turn failed'),
    })
    .describe('A frame failed; the socket stays open (errors that end it are close codes)'),
]);

type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The schema and the protocol's `ServerFrame` describe the same frames, field for field. */
export type ServerFramesMatchProtocol = Assert<Same<z.output<typeof serverFrameSchema>, ServerFrame>>;

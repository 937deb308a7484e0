import type { ClientFrame, ClientFrameType } from '@tessera/protocol';
import { z } from 'zod';
import { passkeyResponse } from './passkey-response.js';

const id = z.string().min(1).max(128);
const requestId = id.optional().describe('Echoed by the reply and by any error frame');

export const MAX_MESSAGE_CHARS = 16_000;

/**
 * Every frame a client may send, as the gateway parses it and `/asyncapi.json` documents it.
 * Each member describes itself: the AsyncAPI message of a `type` is made of its members.
 */
export const clientFrameSchema = z.union([
  z
    .object({ type: z.literal('message'), id, content: z.string().min(1).max(MAX_MESSAGE_CHARS), conversationId: id.optional() })
    .describe("A chat message; `id` is the client's own id (a resend with the same id is a duplicate, acked again)"),
  z
    .object({ type: z.literal('authenticate'), method: z.literal('jwt'), token: z.string().min(1).max(8192), id: requestId })
    .describe("Sign in with an identity token from the customer's app"),
  z
    .object({
      type: z.literal('authenticate'),
      method: z.literal('password'),
      email: z.string().min(1).max(320),
      password: z.string().min(1).max(1024),
      id: requestId,
    })
    .describe('Sign in with a hosted password account'),
  z
    .object({
      type: z.literal('authenticate'),
      method: z.literal('flow'),
      flowId: z.string().min(1).max(64),
      flowSecret: z.string().min(1).max(128),
      id: requestId,
    })
    .describe('Redeem a completed sign-in flow this chat started (`POST /v1/auth/flows`)'),
  z
    .object({
      type: z.literal('authenticate'),
      method: z.literal('email_code'),
      email: z.string().min(1).max(320),
      code: z.string().min(1).max(16),
      id: requestId,
    })
    .describe('Sign in with a code mailed by `POST /v1/auth/email-code`'),
  z
    .object({ type: z.literal('authenticate'), method: z.literal('passkey'), response: passkeyResponse, id: requestId })
    .describe("Sign in with a WebAuthn assertion (`AuthenticationResponseJSON`) for this session's challenge"),
  z
    .object({ type: z.literal('refresh'), token: z.string().min(1).max(16_384), id: requestId })
    .describe('A new access token for this socket (after refreshing over HTTP), before the old one expires'),
  z.object({ type: z.literal('resume'), conversationId: id, id: requestId }).describe('Continue one of the caller’s conversations'),
  z
    .object({ type: z.literal('history'), before: id.optional(), limit: z.number().int().min(1).max(200).optional(), id: requestId })
    .describe('Older messages of the current conversation'),
  z.object({ type: z.literal('logout') }).describe('Revoke the session; every socket of it closes with 1000'),
  z.object({ type: z.literal('ping') }).describe('Answered with `pong`'),
  z.object({ type: z.literal('stop'), id }).describe("Abort the agent's reply to the stored user message `id` (the ack's `messageId`)"),
]);

type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** What the schema accepts is a ClientFrame, and every frame type of the protocol is here. */
export type ClientFramesMatchProtocol = Assert<
  Same<z.output<typeof clientFrameSchema>['type'], ClientFrameType> extends true
    ? z.output<typeof clientFrameSchema> extends ClientFrame
      ? true
      : false
    : false
>;

import { z } from 'zod';
import type { ClientFrame } from '@tessera/protocol';
import { passkeyResponse } from '../edge/passkey-response.js';

const id = z.string().min(1).max(128);

export const MAX_MESSAGE_CHARS = 16_000;

const clientFrameSchema = z.union([
  z.object({ type: z.literal('message'), id, content: z.string().min(1).max(MAX_MESSAGE_CHARS), conversationId: id.optional() }),
  z.object({ type: z.literal('authenticate'), method: z.literal('jwt'), token: z.string().min(1).max(16_384), id: id.optional() }),
  z.object({
    type: z.literal('authenticate'),
    method: z.literal('password'),
    email: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    id: id.optional(),
  }),
  z.object({
    type: z.literal('authenticate'),
    method: z.literal('flow'),
    flowId: z.string().min(1).max(64),
    flowSecret: z.string().min(1).max(128),
    id: id.optional(),
  }),
  z.object({
    type: z.literal('authenticate'),
    method: z.literal('email_code'),
    email: z.string().min(1).max(320),
    code: z.string().min(1).max(16),
    id: id.optional(),
  }),
  z.object({ type: z.literal('authenticate'), method: z.literal('passkey'), response: passkeyResponse, id: id.optional() }),
  z.object({ type: z.literal('refresh'), token: z.string().min(1).max(8192), id: id.optional() }),
  z.object({ type: z.literal('resume'), conversationId: id, id: id.optional() }),
  z.object({ type: z.literal('history'), before: id.optional(), limit: z.number().int().min(1).max(200).optional(), id: id.optional() }),
  z.object({ type: z.literal('logout') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('stop'), id }),
]);

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; message: string; id?: string };

/** Parses one text frame; never throws. */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'frame is not JSON' };
  }
  const parsed = clientFrameSchema.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data as ClientFrame };
  const frameId =
    value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
  const type = value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  return { ok: false, message: typeof type === 'string' ? `invalid ${type.slice(0, 32)} frame` : 'frame has no type', id: frameId };
}

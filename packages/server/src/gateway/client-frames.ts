import type { ClientFrame } from '@tessera/protocol';
import { clientFrameSchema } from '../edge/client-frame-schemas.js';

export { MAX_MESSAGE_CHARS } from '../edge/client-frame-schemas.js';

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

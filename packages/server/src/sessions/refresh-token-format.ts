import { idBody } from '../ids.js';
import { hashSecret, hmac } from '../secrets.js';

const PATTERN = /^rt_([A-Za-z0-9]{20})_([A-Za-z0-9_-]{32,64})$/;

export function formatRefreshToken(id: string, secret: string): string {
  return `rt_${idBody(id)}_${secret}`;
}

export function parseRefreshToken(token: unknown): { id: string; secret: string } | null {
  const match = typeof token === 'string' ? PATTERN.exec(token) : null;
  return match ? { id: `rt_${match[1]}`, secret: match[2] } : null;
}

/**
 * The secret of the token that replaces `parentSecret`. Derived (keyed by a server
 * secret) rather than random so that the parent, presented again within the grace
 * window, can be answered with the same current token without storing it in clear.
 */
export function childSecret(serverSecret: Buffer, parentSecret: string): string {
  return hmac(serverSecret, `rt-child:${parentSecret}`);
}

/** A new refresh token record, current, storing only the secret's hash. */
export function freshRefreshToken(id: string, sessionId: string, secret: string, parentId: string | null, now: number) {
  return {
    id,
    sessionId,
    secretHash: hashSecret(secret),
    parentId,
    childId: null,
    state: 'current' as const,
    createdAt: now,
    rotatedAt: null,
  };
}

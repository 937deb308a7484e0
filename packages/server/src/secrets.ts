import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Secrets are high-entropy random strings, so a fast hash is the right one to store. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time comparison of two stored or presented hashes. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function hmac(key: string | Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

import { TesseraError } from '../errors.js';

/** An email address as accounts are keyed by it: trimmed, lower-case, plausibly shaped (BAD_REQUEST otherwise). */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 320 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized))
    throw new TesseraError('BAD_REQUEST', 'invalid email address');
  return normalized;
}

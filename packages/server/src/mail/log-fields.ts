import { hashSecret } from '../secrets.js';
import type { MailMessage } from './mailer.js';

/**
 * What a log line may say about a mail: its kind, tenant and a short hash of the recipient
 * (enough to follow one address through the logs). Never the subject or a body: they hold
 * codes and sign-in links.
 */
export function mailLogFields(message: MailMessage): { kind: string; tenantId: string; recipient: string } {
  return { kind: message.kind, tenantId: message.tenantId, recipient: recipientHash(message.to) };
}

/** 12 characters of SHA-256 of the lower-cased address. */
export function recipientHash(address: string): string {
  return hashSecret(address.trim().toLowerCase()).slice(0, 12);
}

import { TesseraError } from '../errors.js';
import type { MailMessage } from './mailer.js';

const MAX_ADDRESS_LENGTH = 320;
const MAX_SUBJECT_LENGTH = 500;
const MAX_BODY_LENGTH = 100_000;
/** One bare address: no display name, no list, no comment, nothing a header could be bent with. */
const SINGLE_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/;

/**
 * Refuses, at once, a mail no transport should take: more or less than one plain recipient,
 * a subject that spans lines, an empty or oversized body. BAD_REQUEST, since the address
 * usually comes from the person asking for a code.
 */
export function assertSendable(message: MailMessage): void {
  const { to, subject, text, html } = message;
  if (typeof to !== 'string' || to.length > MAX_ADDRESS_LENGTH || !SINGLE_ADDRESS.test(to))
    throw new TesseraError('BAD_REQUEST', 'a mail goes to exactly one plain email address');
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || /[\r\n]/.test(subject))
    throw new TesseraError('BAD_REQUEST', 'a mail needs a one-line subject');
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_BODY_LENGTH)
    throw new TesseraError('BAD_REQUEST', 'a mail needs a plain-text body');
  if (typeof html !== 'string' || html.length > MAX_BODY_LENGTH)
    throw new TesseraError('BAD_REQUEST', 'the HTML body of a mail is too long');
  if (typeof message.tenantId !== 'string' || message.tenantId.length === 0)
    throw new TesseraError('BAD_REQUEST', 'a mail names its tenant');
}

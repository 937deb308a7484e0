import { TesseraError } from '../errors.js';
import type { Mailer } from './mailer.js';

/** The mailer of a server with no SMTP (and no demo mailbox): every mail is refused with UNAVAILABLE. */
export const unavailableMailer: Mailer = Object.freeze({
  available: false,
  async send(): Promise<void> {
    throw new TesseraError('UNAVAILABLE', 'this server cannot send mail: set TESSERA_SMTP_URL');
  },
  async close(): Promise<void> {},
});

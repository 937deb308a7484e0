import type { Logger } from 'pino';
import { Mailbox, MailboxMailer } from './mailbox.js';
import type { Mailer } from './mailer.js';
import { Outbox } from './outbox.js';
import { createSmtpTransport } from './smtp-transport.js';
import { unavailableMailer } from './unavailable-mailer.js';

export interface MailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://…`; none: the mailbox (demo) or no mail at all. */
  smtpUrl?: string;
  /** `From:` of every mail. */
  mailFrom: string;
  /** With no SMTP: keep mail in this directory (the demo's `/demo/mailbox`); null: refuse to send. */
  mailboxDir: string | null;
  logger: Logger;
  /** Waits between attempts over SMTP (tests pass short ones); see outbox.ts for the default. */
  retryDelaysMs?: readonly number[];
}

/** The mailer this node sends with: SMTP, else the demo mailbox, else none (UNAVAILABLE). */
export function createMailer(options: MailerOptions): Mailer {
  const { logger } = options;
  if (options.smtpUrl) {
    // The host only: the URL may carry a login.
    logger.info({ smtpHost: new URL(options.smtpUrl).host }, 'mail: over SMTP');
    return new Outbox({
      transport: createSmtpTransport({ smtpUrl: options.smtpUrl, mailFrom: options.mailFrom }),
      logger,
      retryDelaysMs: options.retryDelaysMs,
    });
  }
  if (options.mailboxDir !== null) {
    logger.info('mail: no SMTP, kept in the demo mailbox (/demo/mailbox)');
    return new MailboxMailer(new Mailbox(options.mailboxDir), logger);
  }
  logger.info('mail: none (no TESSERA_SMTP_URL): sign-ins by mail are refused');
  return unavailableMailer;
}

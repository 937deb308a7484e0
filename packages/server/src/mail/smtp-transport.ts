import { createTransport } from 'nodemailer';
import type { MailMessage } from './mailer.js';
import { DeliveryError, type Delivered, type MailTransport } from './transport.js';

export interface SmtpTransportOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; its options in the query, as nodemailer reads them. */
  smtpUrl: string;
  /** `From:` of every mail. */
  mailFrom: string;
  /** Connections kept open at most. */
  maxConnections?: number;
}

/** Codes of failures that say nothing about the mail itself: the connection, and so a later try, may go better. */
const TRANSIENT_ERROR_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

/** Mail over SMTP with nodemailer: a small pool of connections; the outbox does the retrying. */
export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const transporter = createTransport(
    {
      url: options.smtpUrl,
      pool: true,
      maxConnections: options.maxConnections ?? 3,
      maxRequeues: 0,
      idleTimeout: 30_000,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    },
    { from: options.mailFrom },
  );
  return {
    async deliver(message: MailMessage): Promise<Delivered> {
      try {
        const info = await transporter.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        return { responseCode: replyCode(info.response) };
      } catch (error) {
        throw deliveryError(error);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/** SMTP: 4xx (and 503, a session out of step) may pass later, 5xx will not; no reply: by the error's code. */
export function deliveryError(error: unknown): DeliveryError {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  const details = {
    responseCode: typeof responseCode === 'number' ? responseCode : undefined,
    errorCode: typeof code === 'string' ? code : undefined,
  };
  if (details.responseCode !== undefined) {
    const permanent = details.responseCode >= 500 && details.responseCode < 600 && details.responseCode !== 503;
    return new DeliveryError(!permanent, details);
  }
  return new DeliveryError(details.errorCode !== undefined && TRANSIENT_ERROR_CODES.has(details.errorCode), details);
}

function replyCode(response: string | undefined): number | undefined {
  const match = /^(\d{3})/.exec(response ?? '');
  return match ? Number(match[1]) : undefined;
}

import type { MailMessage } from './mailer.js';

/** What a delivery said: the server's reply code (250 for SMTP), never its text. */
export interface Delivered {
  responseCode?: number;
}

/** One way of handing a mail to the world (SMTP); the outbox queues and retries over it. */
export interface MailTransport {
  /** Delivers one mail now; rejects with a `DeliveryError`, transient or permanent. */
  deliver(message: MailMessage): Promise<Delivered>;
  /** Closes idle connections. */
  close(): Promise<void>;
}

/**
 * A failed delivery: `transient` ones (SMTP 4xx, a lost or refused connection, a timeout)
 * are tried again, permanent ones (SMTP 5xx, a refused login) are not. Carries codes only:
 * a server's reply text may quote the recipient or the mail.
 */
export class DeliveryError extends Error {
  readonly transient: boolean;
  /** The SMTP reply code, if the server answered. */
  readonly responseCode?: number;
  /** The transport's own error code (`ECONNECTION`, `ETIMEDOUT`, `EAUTH`, …), if any. */
  readonly errorCode?: string;

  constructor(transient: boolean, details: { responseCode?: number; errorCode?: string } = {}) {
    super(`mail delivery failed (${details.responseCode ?? details.errorCode ?? 'unknown'}, ${transient ? 'transient' : 'permanent'})`);
    this.name = 'DeliveryError';
    this.transient = transient;
    this.responseCode = details.responseCode;
    this.errorCode = details.errorCode;
  }
}

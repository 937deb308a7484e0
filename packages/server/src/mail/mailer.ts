/** What Tessera sends by mail. */
export type MailKind = 'email_code' | 'magic_link' | 'password_reset' | 'account_exists';

/** One mail, rendered: a plain-text and an HTML body. */
export interface MailMessage {
  kind: MailKind;
  tenantId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: SMTP, the development mailbox, or nowhere (refused). */
export interface Mailer {
  /** False when this server has no way to send mail: sign-ins by mail are refused with UNAVAILABLE. */
  readonly available: boolean;
  /** Hands one mail over for sending; resolves once it is queued (sending happens off the request path). */
  send(message: MailMessage): Promise<void>;
  /** Sends what is queued (with its retries), then stops. */
  close(): Promise<void>;
}

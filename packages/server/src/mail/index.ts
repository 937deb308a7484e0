export type { Mailer, MailKind, MailMessage } from './mailer.js';
export { accountExistsMail, emailCodeMail, magicLinkMail, passwordResetMail, signupCodeMail } from './templates.js';
export { createMailer, type MailerOptions } from './create-mailer.js';

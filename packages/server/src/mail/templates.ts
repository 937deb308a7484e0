import { escapeHtml } from '../html.js';
import type { MailKind, MailMessage } from './mailer.js';

interface Addressed {
  tenantId: string;
  tenantName: string;
  to: string;
}

/** "Your code for {tenant}": six digits, valid so many minutes. */
export function emailCodeMail(input: Addressed & { code: string; minutes: number }): MailMessage {
  return render('email_code', input, `${input.code} is your code for ${input.tenantName}`, [
    `Your sign-in code for ${input.tenantName} is:`,
    { code: input.code },
    `It works once, for ${input.minutes} minutes. If you did not ask for it, ignore this mail.`,
  ]);
}

/** The code sign-up mails: it confirms a new account, and says what to do if the person did not sign up. */
export function signupCodeMail(input: Addressed & { code: string; minutes: number }): MailMessage {
  return render('email_code', input, `${input.code} confirms your new ${input.tenantName} account`, [
    `To confirm your new ${input.tenantName} account, enter this code:`,
    { code: input.code },
    `It works once, for ${input.minutes} minutes. If you did not create an account, ignore this mail: without this code nothing happens.`,
  ]);
}

/** A magic link: opening it shows a confirmation; nothing happens until the person confirms. */
export function magicLinkMail(input: Addressed & { url: string; minutes: number }): MailMessage {
  return render('magic_link', input, `Sign in to ${input.tenantName}`, [
    `Open this link to sign in to ${input.tenantName}:`,
    { link: input.url, label: `Sign in to ${input.tenantName}` },
    `It works once, for ${input.minutes} minutes. If you read this on another device, the page asks for the two digits the chat shows. If you did not ask for it, ignore this mail.`,
  ]);
}

export function passwordResetMail(input: Addressed & { url: string; minutes: number }): MailMessage {
  return render('password_reset', input, `Reset your ${input.tenantName} password`, [
    `Someone asked to reset the password of your ${input.tenantName} account. To choose a new one, open:`,
    { link: input.url, label: 'Choose a new password' },
    `The link works once, for ${input.minutes} minutes, and signs you out everywhere. If you did not ask for it, ignore this mail: your password stays as it is.`,
  ]);
}

/** Sent instead of a sign-up code when the address already has an account, so both answers look alike. */
export function accountExistsMail(input: Addressed): MailMessage {
  return render('account_exists', input, `Your ${input.tenantName} account`, [
    `Someone tried to create a ${input.tenantName} account with this address, which already has one.`,
    'If it was you, sign in instead, or reset your password. If not, ignore this mail.',
  ]);
}

type Part = string | { code: string } | { link: string; label: string };

function render(kind: MailKind, to: Addressed, subject: string, parts: Part[]): MailMessage {
  const text = parts.map((part) => (typeof part === 'string' ? part : 'code' in part ? `    ${part.code}` : part.link)).join('\n\n');
  const html = parts
    .map((part) => {
      if (typeof part === 'string') return `<p>${escapeHtml(part)}</p>`;
      if ('code' in part) return `<p style="font-size:28px;letter-spacing:6px;font-weight:600">${escapeHtml(part.code)}</p>`;
      return `<p><a href="${escapeHtml(part.link)}">${escapeHtml(part.label)}</a></p>`;
    })
    .join('\n');
  return {
    kind,
    tenantId: to.tenantId,
    to: to.to,
    subject,
    text: `${text}\n\n— ${to.tenantName}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${html}<p>— ${escapeHtml(to.tenantName)}</p></body></html>`,
  };
}

import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * The small pages a mailed link opens (a magic link's confirmation, a password reset): plain
 * HTML forms that post back to the same origin, no script, no referrer, not framable.
 */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'`)
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#1c1c1c}
input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0 1rem}button{font:inherit;padding:.6rem 1.2rem;cursor:pointer}
.error{color:#a40000}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A magic link's page: what it would do, and one button (with the match code field from another browser). */
export function magicLinkForm(action: string, view: { email: string; needsMatchCode: boolean }, error?: string): string {
  const match = view.needsMatchCode
    ? `<p>You opened this link in another browser than the chat. Type the two digits the chat shows:</p>
<label for="matchCode">Match code</label><input id="matchCode" name="matchCode" inputmode="numeric" pattern="[0-9]{2}" maxlength="2" autocomplete="off" required autofocus>`
    : '';
  return `<p>Sign the chat in as <strong>${escapeHtml(view.email)}</strong>?</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">${match}<button type="submit">Sign in</button></form>`;
}

import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../html.js';

/**
 * The few pages people see from Tessera itself (a provider's callback, a magic link's
 * confirmation, a password reset): not cacheable, no referrer (their URLs hold codes and
 * tokens), not framable, forms posting back to this origin, and script only when `script`
 * is given (run under a one-time nonce).
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  options: { script?: string } = {},
): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const scriptSource = options.script === undefined ? '' : `; script-src 'nonce-${nonce}'`;
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'nonce-${nonce}'${scriptSource}; form-action 'self'; frame-ancestors 'none'`,
    )
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#1c1c1c}
input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0 1rem}button{font:inherit;padding:.6rem 1.2rem;cursor:pointer}
.error{color:#a40000}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main>${options.script === undefined ? '' : `\n<script nonce="${nonce}">${options.script}</script>`}</body></html>`);
}

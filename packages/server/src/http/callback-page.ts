import { randomBytes } from 'node:crypto';
import { ERROR_CODES } from '@tessera/protocol';
import type { FastifyReply } from 'fastify';
import type { CallbackOutcome } from '../sign-in/index.js';

/** What the opener's `message` listener receives (from this server's origin only). */
export interface FlowMessage {
  type: 'tessera:flow';
  flowId: string;
  state: 'completed' | 'failed';
  code?: string;
}

/**
 * The page a provider redirects to. It tells the chat that opened it, only by `postMessage`
 * to the exact origin that started the flow, and closes; opened without an opener (redirect
 * mode) it goes back to the flow's `returnTo`; otherwise it says the window can be closed.
 * Nothing secret is in it or in any URL it visits; no referrer leaves it (the URL holds the code).
 */
export function sendCallbackPage(reply: FastifyReply, outcome: CallbackOutcome): FastifyReply {
  const { flow, error } = outcome;
  const message: FlowMessage | null = flow && {
    type: 'tessera:flow',
    flowId: flow.id,
    state: error ? 'failed' : 'completed',
    ...(error ? { code: error.code } : {}),
  };
  const script = {
    message,
    targetOrigin: flow?.origin ?? null,
    returnTo: flow?.returnTo ?? null,
  };
  const nonce = randomBytes(16).toString('base64');
  const title = error ? (error.code === 'FLOW_DENIED' ? 'Sign-in cancelled' : 'Sign-in failed') : 'Signed in';
  const text = error ? error.message : 'You are signed in. You can close this window.';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#1c1c1c}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${error ? '<p>You can close this window and return to the chat.</p>' : ''}</main>
<script type="application/json" id="flow">${jsonForScript(script)}</script>
<script nonce="${nonce}">
(function () {
  var data = JSON.parse(document.getElementById('flow').textContent);
  if (window.opener && data.message && data.targetOrigin) {
    try { window.opener.postMessage(data.message, data.targetOrigin); } catch (e) {}
    setTimeout(function () { window.close(); }, 50);
  } else if (!window.opener && data.returnTo) {
    window.location.replace(data.returnTo);
  }
})();
</script></body></html>`;
  return reply
    .status(error ? ERROR_CODES[error.code].http : 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; frame-ancestors 'none'`)
    .send(html);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot close the script element it sits in. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

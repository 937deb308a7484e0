import { escapeHtml } from '../html.js';
import { ERROR_CODES } from '@tessera/protocol';
import type { FastifyReply } from 'fastify';
import type { CallbackOutcome } from '../sign-in/index.js';
import { sendPage } from './html-page.js';

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
  const title = error ? (error.code === 'FLOW_DENIED' ? 'Sign-in cancelled' : 'Sign-in failed') : 'Signed in';
  const text = error ? error.message : 'You are signed in. You can close this window.';
  const body = `<p>${escapeHtml(text)}</p>${error ? '<p>You can close this window and return to the chat.</p>' : ''}
<script type="application/json" id="flow">${jsonForScript(script)}</script>`;
  return sendPage(reply, error ? ERROR_CODES[error.code].http : 200, title, body, { script: TELL_THE_OPENER });
}

/** Posts the outcome to the chat that opened this window (at its exact origin) and closes; else goes back to `returnTo`. */
const TELL_THE_OPENER = `(function () {
  var data = JSON.parse(document.getElementById('flow').textContent);
  if (window.opener && data.message && data.targetOrigin) {
    try { window.opener.postMessage(data.message, data.targetOrigin); } catch (e) {}
    setTimeout(function () { window.close(); }, 50);
  } else if (!window.opener && data.returnTo) {
    window.location.replace(data.returnTo);
  }
})();`;

/** JSON that cannot close the script element it sits in. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

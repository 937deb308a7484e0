import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { escapeHtml } from '../html.js';

/** A demo account as the pages show it (oidc-demo-provider.ts's DemoOidcUser). */
interface Account {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

const MAX_FORM_BYTES = 4096;
const SCOPE_WORDS: Record<string, string> = {
  openid: 'know who you are',
  email: 'see your email address',
  profile: 'see your name',
};

/**
 * The demo provider's own pages, at `{issuer}/interaction/{uid}`: pick a demo account (login),
 * then allow or deny the client (consent). Deny ends the request with `error=access_denied`.
 */
export function interactionPages(provider: Provider, users: readonly Account[], basePath: string) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(path);
    try {
      if (!match) return send(res, 404, errorPage('Not found', 'There is no such page.'));
      const [, uid, action] = match;
      if (action === undefined && req.method === 'GET') {
        const details = await provider.interactionDetails(req, res);
        const client = String(details.params.client_id ?? 'an application');
        const base = `${basePath}/interaction/${uid}`;
        if (details.prompt.name === 'login') return send(res, 200, loginPage(base, client, users));
        return send(res, 200, consentPage(base, client, String(details.params.scope ?? '')));
      }
      if (action === undefined || req.method !== 'POST') return send(res, 405, errorPage('Not allowed', 'Use the buttons on the page.'));
      const form = await readForm(req);
      if (action === 'login') {
        const user = users.find((candidate) => candidate.sub === form.get('sub'));
        if (!user) return send(res, 400, errorPage('Unknown account', 'Pick one of the demo accounts.'));
        return await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      }
      if (action === 'abort') {
        const denied = { error: 'access_denied', error_description: 'End-User aborted interaction' };
        return await provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
      }
      return await provider.interactionFinished(
        req,
        res,
        { consent: await grantConsent(provider, req, res) },
        { mergeWithLastSubmission: true },
      );
    } catch (error) {
      if (res.headersSent) return void res.end();
      const expired = (error as { name?: string }).name === 'SessionNotFound';
      const text = expired ? 'This sign-in expired or was finished already: start again from the app.' : 'Something went wrong.';
      send(res, expired ? 400 : 500, errorPage('Sign-in interrupted', text));
    }
  };
}

/** What the consent prompt asked for, granted (a new grant, or the session's one widened). */
async function grantConsent(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<{ grantId?: string }> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name !== 'consent' || !details.session) throw new Error('no consent to give');
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

function loginPage(base: string, client: string, users: readonly Account[]): string {
  const choices = users
    .map(
      (user) =>
        `<li><button type="submit" name="sub" value="${escapeHtml(user.sub)}">Continue as ${escapeHtml(user.name)}</button>` +
        `<span>${escapeHtml(user.email)} (${user.emailVerified ? 'verified' : 'not verified'})</span></li>`,
    )
    .join('');
  return page(
    'Sign in',
    `<h1>Sign in to the demo provider</h1>
<p><b>${escapeHtml(client)}</b> asks who you are. This provider has no passwords: pick a demo account.</p>
<form method="post" action="${base}/login"><ul>${choices}</ul></form>
<form method="post" action="${base}/abort"><button type="submit" class="secondary">Cancel</button></form>`,
  );
}

function consentPage(base: string, client: string, scope: string): string {
  const asks = scope
    .split(' ')
    .filter((name) => name in SCOPE_WORDS)
    .map((name) => `<li>${SCOPE_WORDS[name]} <code>${name}</code></li>`)
    .join('');
  return page(
    'Allow access',
    `<h1>Allow ${escapeHtml(client)}?</h1>
<p><b>${escapeHtml(client)}</b> would like to:</p><ul>${asks}</ul>
<form method="post" action="${base}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="${base}/abort"><button type="submit" class="secondary">Deny</button></form>`,
  );
}

/** The provider's own error page (renderError), and the interactions' one. */
export function errorPage(title: string, text: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tessera demo provider</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f7;color:#1d1d1f}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}ul{list-style:none;padding:0}li{margin:.6rem 0}
li span{display:block;font-size:.85rem;color:#666}
button{font:inherit;padding:.5rem 1rem;border-radius:8px;border:1px solid #3949ab;background:#3949ab;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#3949ab}form{display:inline-block;margin-right:.5rem}
</style></head>
<body><main>${body}<p><small>Tessera demo OpenID provider: for development only.</small></p></main></body></html>`;
}

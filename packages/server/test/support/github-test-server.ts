import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpsServer } from './tls.js';

export interface GitHubTestUser {
  id: number;
  login: string;
  name: string | null;
  /** The first `primary` one with `visibility: 'public'` is also `email` of `GET /user`. */
  emails: { email: string; verified: boolean; primary?: boolean; visibility?: 'public' | 'private' | null }[];
}

export interface GitHubTestServerOptions {
  clientId: string;
  clientSecret: string;
  /** Default: octocat (verified public email) and hubot (unverified private email). */
  users?: GitHubTestUser[];
  /**
   * `auto`: the signed-in user approves at once (a redirect with `code`); `deny`: a redirect with
   * `error=access_denied`; `page`: an approval page with Authorize and Cancel (browser tests).
   */
  mode?: 'auto' | 'deny' | 'page';
  /** Login of the GitHub user who is "signed in" and approves; the first user by default. */
  login?: string;
}

export interface GitHubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface GitHubTestServer {
  url: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** The API's base: `GET {apiUrl}/user`, `GET {apiUrl}/user/emails`. */
  apiUrl: string;
  /** Mutable between flows: `github.settings.mode = 'deny'`, `github.settings.login = 'hubot'`. */
  settings: { mode: 'auto' | 'deny' | 'page'; login: string };
  /** Every request received, oldest first. */
  requests: GitHubRequest[];
  stop(): Promise<void>;
}

export const GITHUB_TEST_USERS: readonly GitHubTestUser[] = Object.freeze([
  {
    id: 583231,
    login: 'octocat',
    name: 'The Octocat',
    emails: [{ email: 'octocat@example.com', verified: true, primary: true, visibility: 'public' }],
  },
  {
    id: 108108,
    login: 'hubot',
    name: 'Hubot',
    emails: [{ email: 'hubot@example.com', verified: false, primary: true, visibility: 'private' }],
  },
]);

interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  state?: string;
  scope: string;
  challenge?: string;
  login: string;
}

/**
 * A GitHub-shaped OAuth 2.0 server over https (no OpenID Connect): authorize, access_token
 * (errors as GitHub sends them: HTTP 200 with `{error: "bad_verification_code"}`), and the
 * user API. Codes are single use (spent by any exchange attempt) and bound to PKCE S256.
 */
export async function startGitHubTestServer(options: GitHubTestServerOptions): Promise<GitHubTestServer> {
  const users = options.users ?? GITHUB_TEST_USERS;
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, PendingAuthorization>();
  const tokens = new Map<string, { login: string; scope: string }>();
  const userOf = (login: string) => users.find((user) => user.login === login);

  const redirectBack = (res: ServerResponse, request: PendingAuthorization, approved: boolean) => {
    const back = new URL(request.redirectUri);
    if (approved) {
      const code = randomBytes(10).toString('hex');
      codes.set(code, request);
      back.searchParams.set('code', code);
    } else {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    }
    if (request.state !== undefined) back.searchParams.set('state', request.state);
    res.writeHead(302, { location: back.href }).end();
  };

  const exchange = (form: Record<string, string>, req: IncomingMessage): Record<string, string> => {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent) : [];
    if ((form.client_id ?? basicId) !== options.clientId || (form.client_secret ?? basicSecret) !== options.clientSecret) {
      return githubError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    }
    const grant = codes.get(form.code ?? '');
    codes.delete(form.code ?? '');
    if (!grant || grant.clientId !== options.clientId)
      return githubError('bad_verification_code', 'The code passed is incorrect or expired.');
    if (form.redirect_uri !== undefined && form.redirect_uri !== grant.redirectUri) {
      return githubError('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
    }
    if (
      grant.challenge &&
      (!form.code_verifier || createHash('sha256').update(form.code_verifier).digest('base64url') !== grant.challenge)
    ) {
      return githubError('bad_verification_code', 'The code_verifier does not match the code_challenge.');
    }
    const accessToken = `gho_${randomBytes(18).toString('hex')}`;
    tokens.set(accessToken, { login: grant.login, scope: grant.scope });
    return { access_token: accessToken, token_type: 'bearer', scope: grant.scope };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', server.url);
    const body = req.method === 'POST' ? await readBody(req) : '';
    const form = Object.fromEntries(
      (req.headers['content-type'] ?? '').includes('json') ? Object.entries(JSON.parse(body || '{}')) : new URLSearchParams(body),
    ) as Record<string, string>;
    github.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form,
      headers: req.headers,
    });

    switch (`${req.method} ${url.pathname}`) {
      case 'GET /login/oauth/authorize': {
        const {
          client_id: clientId,
          redirect_uri: redirectUri,
          state,
          scope = '',
          code_challenge: challenge,
        } = Object.fromEntries(url.searchParams);
        if (clientId !== options.clientId || !redirectUri) return html(res, 404, '<h1>Not Found</h1>');
        if (challenge !== undefined && url.searchParams.get('code_challenge_method') !== 'S256')
          return html(res, 400, '<h1>S256 only</h1>');
        const request = { clientId, redirectUri, state, scope, challenge, login: github.settings.login };
        if (github.settings.mode !== 'page') return redirectBack(res, request, github.settings.mode === 'auto');
        const id = randomBytes(10).toString('hex');
        pending.set(id, request);
        return html(res, 200, approvalPage(id, userOf(request.login)?.login ?? request.login, scope));
      }
      case 'POST /login/oauth/authorize/decision': {
        const request = pending.get(form.request ?? '');
        pending.delete(form.request ?? '');
        if (!request) return html(res, 400, '<h1>This request expired</h1>');
        return redirectBack(res, request, form.decision === 'authorize');
      }
      case 'POST /login/oauth/access_token': {
        const answer = exchange(form, req);
        if ((req.headers.accept ?? '').includes('application/json')) return json(res, 200, answer);
        res
          .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' })
          .end(new URLSearchParams(answer).toString());
        return;
      }
      case 'GET /user':
      case 'GET /user/emails': {
        const bearer = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const user = userOf(tokens.get(bearer ?? '')?.login ?? '');
        if (!user) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
        if (url.pathname === '/user/emails') {
          return json(
            res,
            200,
            user.emails.map((entry) => ({
              email: entry.email,
              primary: entry.primary ?? false,
              verified: entry.verified,
              visibility: entry.visibility ?? null,
            })),
          );
        }
        const email = user.emails.find((entry) => entry.primary && entry.visibility === 'public')?.email ?? null;
        const avatar = `https://avatars.githubusercontent.com/u/${user.id}?v=4`;
        return json(res, 200, { id: user.id, login: user.login, name: user.name, email, avatar_url: avatar, type: 'User' });
      }
      default:
        return json(res, 404, { message: 'Not Found' });
    }
  };

  const server = await startHttpsServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { message: 'Server Error' });
    });
  });
  const github: GitHubTestServer = {
    url: server.url,
    authorizationUrl: `${server.url}/login/oauth/authorize`,
    tokenUrl: `${server.url}/login/oauth/access_token`,
    apiUrl: server.url,
    settings: { mode: options.mode ?? 'auto', login: options.login ?? users[0].login },
    requests: [],
    stop: () => server.stop(),
  };
  return github;
}

function githubError(error: string, description: string): Record<string, string> {
  return { error, error_description: description, error_uri: `https://docs.github.com/apps/oauth-apps#${error}` };
}

function approvalPage(request: string, login: string, scope: string): string {
  const button = (decision: string, label: string) =>
    `<form method="post" action="/login/oauth/authorize/decision"><input type="hidden" name="request" value="${request}">` +
    `<button type="submit" name="decision" value="${decision}">${label}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize application</title></head>
<body><h1>Authorize application</h1><p>Signed in as <b>${escapeHtml(login)}</b>. Scopes: <code>${escapeHtml(scope)}</code></p>
${button('authorize', 'Authorize')}${button('cancel', 'Cancel')}</body></html>`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

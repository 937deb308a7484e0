import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { startHttpsServer } from './tls.js';

export interface RogueIdToken {
  /**
   * Claims laid over the honest ones (iss, aud, sub, nonce of the request, iat, exp in 5 min,
   * email, email_verified, name); `undefined` removes one. A function gets the honest claims.
   */
  claims?: Record<string, unknown> | ((honest: Record<string, unknown>) => Record<string, unknown>);
  /** `none`: an unsecured JWT (`alg: none`); `unknown-key`: RS256 by a key not in the JWKS (same `kid`). Default `valid`. */
  signing?: 'valid' | 'none' | 'unknown-key';
}

export interface RogueRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The form body of a POST (the token request: `code`, `code_verifier`, `client_secret`…). */
  form: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface RogueOidcProviderOptions {
  clientId: string;
  /** The honest claims' subject and profile. */
  user?: { sub: string; email: string; email_verified: boolean; name: string };
  idToken?: RogueIdToken;
}

export interface RogueOidcProvider {
  issuer: string;
  url: string;
  /** What the token endpoint's next id tokens look like; change it between flows. */
  idToken: RogueIdToken;
  /** Every request it received, oldest first. */
  requests: RogueRequest[];
  /** The token requests only. */
  tokenRequests(): RogueRequest[];
  stop(): Promise<void>;
}

const DEFAULT_USER = { sub: 'rogue-user', email: 'rogue@example.com', email_verified: true, name: 'Rogue User' };

/**
 * A minimal OpenID provider over https whose id tokens the test controls: wrong nonce,
 * issuer, audience, expiry, `alg: none`, a signature by a key not in its JWKS. Its authorize
 * endpoint asks nobody: it redirects to `redirect_uri` with a code and the request's `state`.
 * The token endpoint checks the code and its PKCE verifier (S256), so a client sending none fails.
 */
export async function startRogueOidcProvider(options: RogueOidcProviderOptions): Promise<RogueOidcProvider> {
  const kid = randomUUID();
  const key = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const user = options.user ?? DEFAULT_USER;
  const codes = new Map<string, { nonce?: string; redirectUri: string; challenge?: string; scope: string }>();
  let issuer = '';

  const idToken = async (nonce: string | undefined): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const honest = { iss: issuer, aud: options.clientId, nonce, iat: now, exp: now + 300, ...user };
    const { claims = {}, signing = 'valid' } = rogue.idToken;
    const payload = typeof claims === 'function' ? claims(honest) : { ...honest, ...claims };
    if (signing === 'none') return new UnsecuredJWT(payload).encode();
    const signer = signing === 'unknown-key' ? stranger.privateKey : key.privateKey;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(signer);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', issuer);
    const request: RogueRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form: req.method === 'POST' ? Object.fromEntries(new URLSearchParams(await readBody(req))) : {},
      headers: req.headers,
    };
    rogue.requests.push(request);
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(res, 200, discovery(issuer));
      case 'GET /jwks':
        return json(res, 200, jwks);
      case 'GET /authorize': {
        const { redirect_uri: redirectUri, state, nonce, code_challenge: challenge, scope = 'openid' } = request.query;
        if (!redirectUri || request.query.client_id !== options.clientId) return json(res, 400, { error: 'invalid_request' });
        const code = randomBytes(16).toString('base64url');
        codes.set(code, { nonce, redirectUri, challenge, scope });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        if (state !== undefined) back.searchParams.set('state', state);
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      case 'POST /token': {
        const { code = '', code_verifier: verifier, redirect_uri: redirectUri } = request.form;
        const grant = codes.get(code);
        codes.delete(code);
        if (!grant || grant.redirectUri !== redirectUri)
          return json(res, 400, { error: 'invalid_grant', error_description: 'unknown code' });
        if (grant.challenge && (!verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) {
          return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        }
        const tokens = { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, scope: grant.scope };
        return json(res, 200, { ...tokens, id_token: await idToken(grant.nonce) });
      }
      case 'GET /userinfo':
        return json(res, 200, user);
      default:
        return json(res, 404, { error: 'not_found' });
    }
  };

  const server = await startHttpsServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
    });
  });
  issuer = server.url;
  const rogue: RogueOidcProvider = {
    issuer,
    url: issuer,
    idToken: options.idToken ?? {},
    requests: [],
    tokenRequests: () => rogue.requests.filter((request) => request.path === '/token'),
    stop: () => server.stop(),
  };
  return rogue;
}

function discovery(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    scopes_supported: ['openid', 'email', 'profile'],
    claims_supported: ['sub', 'email', 'email_verified', 'name'],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoOidcProvider } from '../../src/demo/oidc-demo-provider.js';
import { assertBuilt, runCliJson, startCli } from '../support/cli.js';
import { startGitHubTestServer, type GitHubTestServer } from '../support/github-test-server.js';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc-test-provider.js';
import { startRogueOidcProvider, type RogueOidcProvider } from '../support/rogue-oidc-provider.js';
import { startHttpsServer } from '../support/tls.js';

const CLIENT = { clientId: 'tessera-test', clientSecret: 'test-client-secret', redirectUris: ['https://app.example/callback'] };
const REDIRECT_URI = CLIENT.redirectUris[0];

/** Follows the provider's redirects (no browser: fetch, carrying its cookies) until one leaves for `until`. */
async function followUntil(start: URL, until: string, jar = new Map<string, string>()): Promise<URL> {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    keepCookies(jar, response);
    const location = response.headers.get('location');
    if (!location) throw new Error(`${url} answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url);
    if (url.href.startsWith(until)) return url;
  }
  throw new Error('too many redirects');
}

function keepCookies(jar: Map<string, string>, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

/** What a relying party does: discovery, authorization URL with PKCE S256, state and nonce. */
async function authorizationRequest(issuer: string, clientId = CLIENT.clientId, clientSecret = CLIENT.clientSecret) {
  const config = await client.discovery(new URL(issuer), clientId, clientSecret);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const redeem = (callback: URL) =>
    client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
  return { config, url, state, redeem };
}

describe('test TLS', () => {
  it("a worker's fetch trusts https://localhost with the run's certificate, through NODE_EXTRA_CA_CERTS alone", async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toMatch(/trust\.pem$/);
    const server = await startHttpsServer((req, res) => res.end(`hello ${req.socket.remoteAddress}`));
    try {
      expect(server.url).toMatch(/^https:\/\/localhost:\d+$/);
      expect(await (await fetch(`${server.url}/`)).text()).toBe('hello 127.0.0.1');
    } finally {
      await server.stop();
    }
  });
});

describe('the demo OpenID provider, over https', () => {
  let ada: OidcTestProvider;
  let grace: OidcTestProvider;
  let interactive: OidcTestProvider;
  beforeAll(async () => {
    [ada, grace, interactive] = await Promise.all([
      startOidcProvider({ clients: [CLIENT], autoLogin: 'ada' }),
      startOidcProvider({ clients: [CLIENT], autoLogin: 'grace' }),
      startOidcProvider({ clients: [CLIENT] }),
    ]);
  });
  afterAll(() => Promise.all([ada, grace, interactive].map((provider) => provider?.stop())));

  it('signs ada in with autoLogin: code + PKCE, an RS256 id token with her verified email and the nonce checked', async () => {
    const { config, url, state, redeem } = await authorizationRequest(ada.issuer);
    expect(config.serverMetadata()).toMatchObject({
      issuer: ada.issuer,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    const callback = await followUntil(url, REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(state);
    const tokens = await redeem(callback);
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    expect(tokens.claims()).toMatchObject({
      iss: ada.issuer,
      aud: CLIENT.clientId,
      sub: 'ada',
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada Lovelace',
    });
  });

  it("says grace's email is not verified", async () => {
    const { url, redeem } = await authorizationRequest(grace.issuer);
    const tokens = await redeem(await followUntil(url, REDIRECT_URI));
    expect(tokens.claims()).toMatchObject({ sub: 'grace', email: 'grace@example.com', email_verified: false, name: 'Grace Hopper' });
  });

  it('refuses an authorization request without PKCE, and a code redeemed with the wrong verifier', async () => {
    const { config, url, redeem } = await authorizationRequest(ada.issuer);
    const withoutPkce = new URL(url);
    withoutPkce.searchParams.delete('code_challenge');
    withoutPkce.searchParams.delete('code_challenge_method');
    const refused = await followUntil(withoutPkce, REDIRECT_URI);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('code')).toBeNull();

    const callback = await followUntil(url, REDIRECT_URI);
    await expect(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: callback.searchParams.get('state')!,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await redeem(callback)).claims()?.sub).toBe('ada');
    await expect(redeem(callback)).rejects.toMatchObject({ error: 'invalid_grant' }); // single use
  });

  it('shows a login page with a button per user and a consent page; Allow gives a code', async () => {
    const { url, redeem } = await authorizationRequest(interactive.issuer);
    const jar = new Map<string, string>();
    const loginPage = await followUntil(url, `${interactive.issuer}/interaction/`, jar);
    const login = await (await fetch(loginPage, { headers: { cookie: cookieHeader(jar) } })).text();
    expect(login).toContain('>Continue as Ada Lovelace</button>');
    expect(login).toContain('>Continue as Grace Hopper</button>');

    const consentPage = await submit(
      new URL(`${loginPage.pathname}/login`, loginPage),
      { sub: 'ada' },
      jar,
      `${interactive.issuer}/interaction/`,
    );
    const consent = await (await fetch(consentPage, { headers: { cookie: cookieHeader(jar) } })).text();
    expect(consent).toContain('>Allow</button>');
    expect(consent).toContain('>Deny</button>');

    const callback = await submit(new URL(`${consentPage.pathname}/confirm`, consentPage), {}, jar, REDIRECT_URI);
    expect((await redeem(callback)).claims()).toMatchObject({ sub: 'ada', email_verified: true });
  });

  it('Deny ends at the client with error=access_denied and the state', async () => {
    const { url, state } = await authorizationRequest(interactive.issuer);
    const jar = new Map<string, string>();
    const loginPage = await followUntil(url, `${interactive.issuer}/interaction/`, jar);
    const consentPage = await submit(
      new URL(`${loginPage.pathname}/login`, loginPage),
      { sub: 'grace' },
      jar,
      `${interactive.issuer}/interaction/`,
    );
    const denied = await submit(new URL(`${consentPage.pathname}/abort`, consentPage), {}, jar, REDIRECT_URI);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(state);
    expect(denied.searchParams.get('code')).toBeNull();
  });

  it('works mounted under a path, as `tessera start --demo` mounts it at /demo/oidc', async () => {
    let handler = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(503).end();
    const server = await startHttpsServer((req, res) => handler(req, res));
    try {
      const issuer = `${server.url}/demo/oidc`;
      handler = createDemoOidcProvider({ issuer, clients: [CLIENT], autoLogin: 'ada' }).handler;
      const { config, url, redeem } = await authorizationRequest(issuer);
      expect(config.serverMetadata().authorization_endpoint).toBe(`${issuer}/auth`);
      expect((await redeem(await followUntil(url, REDIRECT_URI))).claims()).toMatchObject({ iss: issuer, sub: 'ada' });
      expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

/** Posts a form of the provider's pages and follows its redirects until `until`. */
async function submit(action: URL, fields: Record<string, string>, jar: Map<string, string>, until: string): Promise<URL> {
  const response = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  keepCookies(jar, response);
  const location = response.headers.get('location');
  if (!location) throw new Error(`${action} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const next = new URL(location, action);
  return next.href.startsWith(until) ? next : followUntil(next, until, jar);
}

describe('the GitHub test server', () => {
  let github: GitHubTestServer;
  beforeAll(async () => {
    github = await startGitHubTestServer({ clientId: 'gh-client', clientSecret: 'gh-secret' });
  });
  afterAll(() => github?.stop());

  async function authorize(verifier: string, state = client.randomState()): Promise<URL> {
    const url = new URL(github.authorizationUrl);
    url.search = new URLSearchParams({
      client_id: 'gh-client',
      redirect_uri: REDIRECT_URI,
      state,
      scope: 'read:user user:email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    return new URL(response.headers.get('location')!);
  }

  const exchange = async (fields: Record<string, string>) =>
    (
      await fetch(github.tokenUrl, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ client_id: 'gh-client', client_secret: 'gh-secret', redirect_uri: REDIRECT_URI, ...fields }),
      })
    ).json();

  it('gives a code once: a second exchange is bad_verification_code (HTTP 200, as GitHub does)', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const callback = await authorize(verifier, 'the-state');
    expect(callback.searchParams.get('state')).toBe('the-state');
    const code = callback.searchParams.get('code')!;
    const first = await exchange({ code, code_verifier: verifier });
    expect(first).toMatchObject({ access_token: expect.stringMatching(/^gho_/), token_type: 'bearer', scope: 'read:user user:email' });
    const again = await fetch(github.tokenUrl, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ client_id: 'gh-client', client_secret: 'gh-secret', code, code_verifier: verifier }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ error: 'bad_verification_code' });

    const headers = { authorization: `Bearer ${first.access_token}` };
    expect(await (await fetch(`${github.apiUrl}/user`, { headers })).json()).toMatchObject({
      id: 583231,
      login: 'octocat',
      name: 'The Octocat',
    });
    expect(await (await fetch(`${github.apiUrl}/user/emails`, { headers })).json()).toEqual([
      { email: 'octocat@example.com', primary: true, verified: true, visibility: 'public' },
    ]);
    expect((await fetch(`${github.apiUrl}/user`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('refuses a wrong PKCE verifier, and a wrong client secret', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const wrongVerifier = await exchange({
      code: (await authorize(verifier)).searchParams.get('code')!,
      code_verifier: client.randomPKCECodeVerifier(),
    });
    expect(wrongVerifier).toMatchObject({ error: 'bad_verification_code' });
    expect(wrongVerifier.access_token).toBeUndefined();
    const noVerifier = await exchange({ code: (await authorize(verifier)).searchParams.get('code')! });
    expect(noVerifier).toMatchObject({ error: 'bad_verification_code' });
    const wrongSecret = await exchange({
      code: (await authorize(verifier)).searchParams.get('code')!,
      code_verifier: verifier,
      client_secret: 'x',
    });
    expect(wrongSecret).toMatchObject({ error: 'incorrect_client_credentials' });
  });

  it('serves openid-client as the server uses it, and denies when told to', async () => {
    const config = new client.Configuration(
      { issuer: github.url, authorization_endpoint: github.authorizationUrl, token_endpoint: github.tokenUrl },
      'gh-client',
      undefined,
      client.ClientSecretPost('gh-secret'),
    );
    github.settings.login = 'hubot';
    const verifier = client.randomPKCECodeVerifier();
    const callback = await authorize(verifier, 'state-1');
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'state-1',
      idTokenExpected: false,
    });
    const user = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${github.apiUrl}/user`), 'GET');
    expect(await user.json()).toMatchObject({ id: 108108, login: 'hubot', email: null });

    github.settings.mode = 'deny';
    const denied = await authorize(verifier, 'state-2');
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({ error: 'access_denied', state: 'state-2' });
    expect(github.requests.filter((request) => request.path === '/login/oauth/access_token').at(-1)?.form.code_verifier).toBe(verifier);
  });
});

describe('the rogue OpenID provider', () => {
  let rogue: RogueOidcProvider;
  beforeAll(async () => {
    rogue = await startRogueOidcProvider({ clientId: CLIENT.clientId });
  });
  afterAll(() => rogue?.stop());

  async function signIn() {
    const { url, redeem } = await authorizationRequest(rogue.issuer);
    return redeem(await followUntil(url, REDIRECT_URI));
  }

  it('is accepted when honest, and records the PKCE verifier it was sent', async () => {
    rogue.idToken = {};
    expect((await signIn()).claims()).toMatchObject({ iss: rogue.issuer, sub: 'rogue-user' });
    expect(rogue.tokenRequests().at(-1)?.form.code_verifier).toMatch(/^[\w-]{43,}$/);
  });

  it('has its id token with a wrong nonce refused by openid-client', async () => {
    rogue.idToken = { claims: { nonce: 'not-the-nonce-sent' } };
    expect(await refusal(signIn())).toContain('unexpected ID Token "nonce" claim value');
  });

  it.each([
    ['another issuer', { claims: { iss: 'https://evil.example' } }, 'unexpected JWT "iss" (issuer) claim value'],
    ['another audience', { claims: { aud: 'someone-else' } }, 'unexpected JWT "aud" (audience) claim value'],
    ['an expired token', { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }, 'unexpected JWT "exp" (expiration time) claim value'],
    ['alg none', { signing: 'none' as const }, 'unexpected JWT "alg" header parameter'],
  ])('has its id token with %s refused by openid-client', async (_name, idToken, reason) => {
    rogue.idToken = idToken;
    expect(await refusal(signIn())).toContain(reason);
  });

  it('signs with a key not in its JWKS: refused only once openid-client checks id token signatures (enableNonRepudiationChecks)', async () => {
    rogue.idToken = { signing: 'unknown-key' };
    const unchecked = await authorizationRequest(rogue.issuer);
    expect((await unchecked.redeem(await followUntil(unchecked.url, REDIRECT_URI))).claims()?.sub).toBe('rogue-user');

    const checked = await authorizationRequest(rogue.issuer);
    client.enableNonRepudiationChecks(checked.config);
    expect(await refusal(checked.redeem(await followUntil(checked.url, REDIRECT_URI)))).toContain('JWT signature verification failed');
    rogue.idToken = {};
    const honest = await authorizationRequest(rogue.issuer);
    client.enableNonRepudiationChecks(honest.config);
    expect((await honest.redeem(await followUntil(honest.url, REDIRECT_URI))).claims()?.sub).toBe('rogue-user');
  });
});

/** Why the promise was refused: the messages of the error and its causes (openid-client wraps the precise one). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const messages: string[] = [];
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) messages.push(cause.message);
    return messages.join(' / ');
  }
  throw new Error('accepted, not refused');
}

describe('tessera start --demo', () => {
  const dirs: string[] = [];
  beforeAll(() => assertBuilt());
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the demo OpenID provider at /demo/oidc and makes it a sign-in provider of the tenant', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-demo-oidc-'));
    dirs.push(dataDir);
    const init = await runCliJson(['init', '--data', dataDir, '--json']);
    const running = await startCli(dataDir, {}, ['--demo']);
    try {
      const port = new URL(running.url).port;
      const issuer = `http://localhost:${port}/demo/oidc`;
      const discovery = await fetch(`${running.url}/demo/oidc/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(await discovery.json()).toMatchObject({ issuer, code_challenge_methods_supported: ['S256'] });
      const settings = await fetch(`${running.url}/v1/settings`, { headers: { authorization: `Bearer ${init.secretKey}` } });
      expect((await settings.json()).oauth.providers).toContainEqual(
        expect.objectContaining({ id: 'demo', kind: 'oidc', issuer, clientId: 'tessera-demo', clientSecret: '[set]' }),
      );
      expect(running.output()).not.toContain('oidc-provider WARNING');
    } finally {
      await running.stop();
    }
  });
});

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { errorPage, interactionPages } from './oidc-interactions.js';

/** An account of the demo provider; `sub` is also what `autoLogin` names. */
export interface DemoOidcUser {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

export interface DemoOidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** How the client authenticates at the token endpoint; openid-client's default, `client_secret_post`, unless told. */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
}

export interface DemoOidcProviderOptions {
  /** Where the provider is reached; its path is where `handler` expects to be mounted (`/demo/oidc`, or none). */
  issuer: string;
  clients: DemoOidcClient[];
  users?: readonly DemoOidcUser[];
  /** Signs this user (`sub`) in and grants every request at once, without pages or cookies: for node-only tests. */
  autoLogin?: string;
}

export interface DemoOidcProvider {
  issuer: string;
  /** Serves every request under the issuer's path (others: 404), as `http.createServer` would call it. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Forgets every session, grant and code. */
  close(): void;
}

export const DEMO_OIDC_USERS: readonly DemoOidcUser[] = Object.freeze([
  { sub: 'ada', email: 'ada@example.com', emailVerified: true, name: 'Ada Lovelace' },
  { sub: 'grace', email: 'grace@example.com', emailVerified: false, name: 'Grace Hopper' },
]);

const OIDC_SCOPES = ['openid', 'email', 'profile'];
const SESSION_COOKIE = '_session';
const TTL_SECONDS = { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 };

/**
 * A real OpenID provider (oidc-provider 8) for development and tests, never for production:
 * authorization code with PKCE S256 only, id tokens signed RS256 with a key made at start,
 * claims `email`, `email_verified` and `name` for the scopes `email` and `profile`, state kept
 * in memory. `tessera start --demo` mounts one at `/demo/oidc`; the tests serve one over https.
 */
export function createDemoOidcProvider(options: DemoOidcProviderOptions): DemoOidcProvider {
  const users = options.users ?? DEMO_OIDC_USERS;
  if (options.autoLogin !== undefined && !users.some((user) => user.sub === options.autoLogin)) {
    throw new Error(`autoLogin names no user of the demo provider: ${options.autoLogin}`);
  }
  const basePath = new URL(options.issuer).pathname.replace(/\/+$/, '');
  const storage = new MemoryStorage();
  const provider = new Provider(options.issuer, configuration(options, users, basePath, storage));
  if (options.autoLogin !== undefined) provider.use(autoLogin(provider, options.autoLogin));
  const callback = provider.callback();
  const pages = interactionPages(provider, users, basePath);

  return {
    issuer: options.issuer,
    handler(req, res) {
      const url = req.url ?? '/';
      const path = url.split('?')[0];
      if (basePath && path !== basePath && !path.startsWith(`${basePath}/`)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const inner = url.slice(basePath.length) || '/';
      if (inner.startsWith('/interaction/')) {
        void pages(req, res, inner.split('?')[0]);
        return;
      }
      // As a mounted app sees it (express' req.baseUrl): the provider builds its URLs with the mount path.
      Object.assign(req, { originalUrl: url, baseUrl: basePath, url: inner });
      void callback(req, res);
    },
    close: () => storage.clear(),
  };
}

function configuration(
  options: DemoOidcProviderOptions,
  users: readonly DemoOidcUser[],
  basePath: string,
  storage: MemoryStorage,
): Configuration {
  const auto = options.autoLogin !== undefined;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cookieKeys = [randomBytes(32).toString('base64url')];
  return {
    adapter: (model: string) => storage.adapter(model),
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_post',
    })),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] as never },
    // Signed cookies, except with autoLogin, whose session cookie autoLogin() writes itself.
    cookies: {
      names: { session: SESSION_COOKIE },
      keys: cookieKeys,
      long: { signed: !auto, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    scopes: OIDC_SCOPES,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Scope-requested claims in the id token too, not only at userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    ttl: TTL_SECONDS,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    clientBasedCORS: () => false,
    findAccount: (_ctx, sub) => {
      const user = users.find((candidate) => candidate.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({ sub: user.sub, email: user.email, email_verified: user.emailVerified, name: user.name }),
      };
    },
    ...(auto ? { loadExistingGrant: grantEverythingAsked } : {}),
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in failed', out.error_description ?? out.error);
    },
  };
}

/** autoLogin: each authorization request arrives with a fresh session of that user (cookies from the test's fetch: none). */
function autoLogin(provider: Provider, accountId: string) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (ctx.path === '/auth') {
      const session = new provider.Session();
      session.loginAccount({ accountId });
      await session.save(TTL_SECONDS.Session);
      ctx.req.headers.cookie = `${SESSION_COOKIE}=${session.jti}`;
    }
    await next();
  };
}

/** autoLogin: the consent the pages would ask for, given (oidc-provider's documented way to skip consent). */
async function grantEverythingAsked(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const grant = new oidc.provider.Grant({ accountId: oidc.session!.accountId, clientId: oidc.client!.clientId });
  const scopes = [...(oidc as unknown as { requestParamOIDCScopes: Set<string> }).requestParamOIDCScopes];
  grant.addOIDCScope(scopes.join(' '));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

/** In-memory state for one provider (what oidc-provider's own quick-start adapter does, without its warning). */
class MemoryStorage {
  private readonly entries = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  private readonly index = new Map<string, string>();
  private readonly grants = new Map<string, string[]>();
  private writes = 0;

  adapter(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.sweep();
        const expiresAt = Date.now() + expiresIn * 1000;
        this.entries.set(key(id), { payload, expiresAt });
        if (payload.uid && model === 'Session') this.index.set(`uid:${payload.uid}`, id);
        if (payload.userCode) this.index.set(`userCode:${payload.userCode}`, id);
        if (payload.grantId) this.grants.set(payload.grantId, [...(this.grants.get(payload.grantId) ?? []), key(id)]);
      },
      find: async (id) => this.read(key(id)),
      findByUid: async (uid) => this.read(key(this.index.get(`uid:${uid}`) ?? '')),
      findByUserCode: async (code) => this.read(key(this.index.get(`userCode:${code}`) ?? '')),
      consume: async (id) => {
        const entry = this.entries.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => void this.entries.delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const entry of this.grants.get(grantId) ?? []) this.entries.delete(entry);
        this.grants.delete(grantId);
      },
    };
  }

  clear(): void {
    this.entries.clear();
    this.index.clear();
    this.grants.clear();
  }

  private read(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.payload;
    this.entries.delete(key);
    return undefined;
  }

  private sweep(): void {
    if (++this.writes % 500 !== 0) return;
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

import * as client from 'openid-client';
import { TesseraError } from '../../errors.js';
import type { GitHubProvider } from '../../tenancy/index.js';
import {
  type AuthorizationRequest,
  PROVIDER_TIMEOUT_SECONDS,
  type ProviderAccount,
  type ProviderClient,
  providerFailure,
} from './provider-client.js';

export const GITHUB_DEFAULTS = {
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  apiUrl: 'https://api.github.com',
} as const;

const SCOPES = 'read:user user:email';
const API_HEADERS = { accept: 'application/vnd.github+json', 'user-agent': 'tessera', 'x-github-api-version': '2022-11-28' };

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  avatar_url: string | null;
}
interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub: OAuth 2.0 without OpenID Connect. The code (with PKCE) buys an access token, the
 * user API says who it is (the numeric id is the subject) and which emails GitHub verified.
 */
export function githubClient(provider: GitHubProvider, clientSecret: string, options: { insecure: boolean }): ProviderClient {
  const urls = { ...GITHUB_DEFAULTS, ...definedOnly(provider) };
  const config = new client.Configuration(
    { issuer: new URL(urls.authorizationUrl).origin, authorization_endpoint: urls.authorizationUrl, token_endpoint: urls.tokenUrl },
    provider.clientId,
    undefined,
    client.ClientSecretPost(clientSecret),
  );
  config.timeout = PROVIDER_TIMEOUT_SECONDS;
  if (options.insecure) client.allowInsecureRequests(config);

  const api = async <T>(accessToken: string, path: string): Promise<T> => {
    const response = await client.fetchProtectedResource(
      config,
      accessToken,
      new URL(`${urls.apiUrl}${path}`),
      'GET',
      undefined,
      new Headers(API_HEADERS),
    );
    if (!response.ok) throw new TesseraError('UNAVAILABLE', `the provider's user API answered ${response.status}`);
    return (await response.json()) as T;
  };

  return {
    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: SCOPES,
        state: request.state,
        code_challenge: await client.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
        allow_signup: 'true',
      });
    },

    async account(callbackUrl: URL, request: AuthorizationRequest): Promise<ProviderAccount> {
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: request.codeVerifier,
          expectedState: request.state,
          idTokenExpected: false,
        });
        const [user, emails] = await Promise.all([
          api<GitHubUser>(tokens.access_token, '/user'),
          api<GitHubEmail[]>(tokens.access_token, '/user/emails'),
        ]);
        if (!Number.isSafeInteger(user.id)) throw new TesseraError('INVALID_TOKEN', 'the provider named no user');
        const email = emails.find((candidate) => candidate.primary && candidate.verified) ?? emails.find((candidate) => candidate.verified);
        return {
          provider: provider.id,
          subject: String(user.id),
          email: email ? email.email.toLowerCase() : null,
          emailVerified: email !== undefined,
          name: (user.name ?? user.login ?? '').slice(0, 200) || null,
          avatar: typeof user.avatar_url === 'string' && /^https:\/\//.test(user.avatar_url) ? user.avatar_url.slice(0, 2000) : null,
        };
      } catch (error) {
        throw providerFailure(error);
      }
    },
  };
}

function definedOnly(provider: GitHubProvider) {
  const { authorizationUrl, tokenUrl, apiUrl } = provider;
  return Object.fromEntries(Object.entries({ authorizationUrl, tokenUrl, apiUrl }).filter(([, value]) => value !== undefined));
}

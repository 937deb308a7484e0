import * as client from 'openid-client';
import { TesseraError } from '../../errors.js';
import type { OidcProvider } from '../../tenancy/index.js';
import {
  type AuthorizationRequest,
  PROVIDER_TIMEOUT_SECONDS,
  type ProviderAccount,
  type ProviderClient,
  providerFailure,
} from './provider-client.js';

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

/**
 * Any OpenID Connect provider, by discovery (Google, Microsoft, Okta, Auth0, Keycloak…):
 * authorization code with PKCE S256, `state` and `nonce`; openid-client checks the id token's
 * issuer, audience, expiry, nonce and signature. Discovery runs once, on first use.
 */
export function oidcClient(provider: OidcProvider, clientSecret: string, options: { insecure: boolean }): ProviderClient {
  let configuration: Promise<client.Configuration> | undefined;
  const configured = () => {
    if (!options.insecure && new URL(provider.issuer).protocol !== 'https:') {
      return Promise.reject(new TesseraError('UNAVAILABLE', `provider ${provider.id}: its issuer must be https`));
    }
    configuration ??= client
      .discovery(new URL(provider.issuer), provider.clientId, undefined, client.ClientSecretPost(clientSecret), {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // Without it, an id token from the token endpoint is trusted on TLS alone: its signature is checked too.
        execute: options.insecure ? [client.enableNonRepudiationChecks, client.allowInsecureRequests] : [client.enableNonRepudiationChecks],
      })
      .catch((error: unknown) => {
        configuration = undefined; // a provider that was down is asked again next time
        throw providerFailure(error);
      });
    return configuration;
  };
  const scopes = [...new Set(['openid', ...(provider.scopes ?? DEFAULT_SCOPES)])].join(' ');

  return {
    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      return client.buildAuthorizationUrl(await configured(), {
        redirect_uri: request.redirectUri,
        scope: scopes,
        state: request.state,
        nonce: request.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async account(callbackUrl: URL, request: AuthorizationRequest): Promise<ProviderAccount> {
      const config = await configured();
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: request.codeVerifier,
          expectedState: request.state,
          expectedNonce: request.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new TesseraError('INVALID_TOKEN', 'the provider sent no id token');
        return {
          provider: provider.id,
          subject: claims.sub,
          email: typeof claims.email === 'string' ? claims.email.toLowerCase() : null,
          emailVerified: claims.email_verified === true,
          name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : null,
          avatar: typeof claims.picture === 'string' && /^https:\/\//.test(claims.picture) ? claims.picture.slice(0, 2000) : null,
        };
      } catch (error) {
        throw providerFailure(error);
      }
    },
  };
}

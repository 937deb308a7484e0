import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';
import { TesseraError } from '../../errors.js';

/** Who a provider says signed in. */
export interface ProviderAccount {
  provider: string;
  /** The provider's stable id of the account (`sub`; GitHub's numeric user id). */
  subject: string;
  email: string | null;
  /** True only when the provider vouches for the email. */
  emailVerified: boolean;
  name: string | null;
  avatar: string | null;
}

/** One round trip: everything but `state` is derived from it, and none of it is stored. */
export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  /** PKCE (S256). */
  codeVerifier: string;
  /** For OpenID providers: must come back in the id token. */
  nonce: string;
}

/** What a sign-in flow needs of a provider, OpenID or GitHub. */
export interface ProviderClient {
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** Exchanges the code of `callbackUrl` and verifies the answer: the account, or a TesseraError. */
  account(callbackUrl: URL, request: AuthorizationRequest): Promise<ProviderAccount>;
}

/** How long one call to a provider may take. */
export const PROVIDER_TIMEOUT_SECONDS = 10;

/**
 * A provider call that failed, as a code: the provider refused (a used or wrong code, a
 * wrong PKCE verifier: INVALID_CREDENTIALS), its answer failed a check (issuer, audience,
 * nonce, signature, expiry: INVALID_TOKEN), or it could not be reached (UNAVAILABLE).
 */
export function providerFailure(error: unknown): TesseraError {
  if (error instanceof TesseraError) return error;
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) {
    return new TesseraError('INVALID_CREDENTIALS', `the provider refused the sign-in (${error.error})`, { cause: error });
  }
  if (error instanceof ClientError || (error instanceof Error && error.name === 'OperationProcessingError')) {
    return new TesseraError('INVALID_TOKEN', "the provider's answer failed verification", { cause: error });
  }
  return new TesseraError('UNAVAILABLE', 'the provider could not be reached', { cause: error });
}

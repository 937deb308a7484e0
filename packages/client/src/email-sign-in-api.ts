import type { Clock } from './clock.js';
import { requestJson, type FetchLike } from './http.js';

export interface EmailSignInApiOptions {
  /** HTTP base URL of Tessera, without a trailing slash. */
  baseUrl: string;
  fetch?: FetchLike;
  clock: Clock;
  requestTimeoutMs: number;
}

/** `signup`: a new code for a sign-up waiting to be confirmed (it keeps the password chosen there). */
export type EmailCodePurpose = 'sign_in' | 'signup';

/** Who asks for a code: the tenant's publishable key, or the chat's session. */
export type EmailCodeCredentials = { publishableKey: string } | { accessToken: string };

/** The email-code REST call (signing in with the code goes through `POST /v1/auth/link`, in api.ts). */
export interface EmailSignInApi {
  /** `POST /v1/auth/email-code {email}` → `202 {}` for any address. */
  requestCode(credentials: EmailCodeCredentials, email: string, purpose?: EmailCodePurpose): Promise<void>;
}

export function createEmailSignInApi({ baseUrl, fetch, clock, requestTimeoutMs }: EmailSignInApiOptions): EmailSignInApi {
  const fetchFn: FetchLike = fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async requestCode(credentials, email, purpose = 'sign_in') {
      const headers: Record<string, string> =
        'publishableKey' in credentials
          ? { 'x-tessera-key': credentials.publishableKey }
          : { authorization: `Bearer ${credentials.accessToken}` };
      await requestJson(
        fetchFn,
        clock,
        `${baseUrl}/v1/auth/email-code`,
        { headers, body: purpose === 'signup' ? { email, purpose } : { email } },
        requestTimeoutMs,
      );
    },
  };
}

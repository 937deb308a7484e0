import type { Clock } from './clock.js';
import { requestJson, type FetchLike } from './http.js';
import type {
  PasskeyCreationOptionsJSON,
  PasskeyInfo,
  PasskeyRegistrationResponseJSON,
  PasskeyRequestOptionsJSON,
} from './passkeys-json.js';

export interface PasskeysApiOptions {
  /** HTTP base URL of Tessera, without a trailing slash. */
  baseUrl: string;
  fetch?: FetchLike;
  clock: Clock;
  requestTimeoutMs: number;
}

/** The passkey REST calls, each with the session's access token. */
export interface PasskeysApi {
  /** `POST /v1/passkeys/registration/options` (a signed-in session). */
  registrationOptions(accessToken: string): Promise<PasskeyCreationOptionsJSON>;
  /** `POST /v1/passkeys/registration`. */
  register(accessToken: string, response: PasskeyRegistrationResponseJSON, name?: string): Promise<PasskeyInfo>;
  /** `GET /v1/passkeys`. */
  list(accessToken: string): Promise<PasskeyInfo[]>;
  /** `DELETE /v1/passkeys/{id}`. */
  remove(accessToken: string, id: string): Promise<void>;
  /** `POST /v1/passkeys/authentication/options` (any session). */
  authenticationOptions(accessToken: string): Promise<PasskeyRequestOptionsJSON>;
}

export function createPasskeysApi({ baseUrl, fetch, clock, requestTimeoutMs }: PasskeysApiOptions): PasskeysApi {
  const fetchFn: FetchLike = fetch ?? ((input, init) => globalThis.fetch(input, init));
  const call = async <T>(accessToken: string, path: string, method: string, body?: unknown): Promise<T> => {
    const headers = { authorization: `Bearer ${accessToken}` };
    return (await requestJson<T>(fetchFn, clock, `${baseUrl}${path}`, { method, headers, body }, requestTimeoutMs)).body;
  };

  return {
    registrationOptions: (accessToken) => call(accessToken, '/v1/passkeys/registration/options', 'POST', {}),
    async register(accessToken, response, name) {
      const body = { response, ...(name ? { name } : {}) };
      return (await call<{ passkey: PasskeyInfo }>(accessToken, '/v1/passkeys/registration', 'POST', body)).passkey;
    },
    async list(accessToken) {
      return (await call<{ passkeys: PasskeyInfo[] }>(accessToken, '/v1/passkeys', 'GET')).passkeys;
    },
    async remove(accessToken, id) {
      await call(accessToken, `/v1/passkeys/${encodeURIComponent(id)}`, 'DELETE');
    },
    authenticationOptions: (accessToken) => call(accessToken, '/v1/passkeys/authentication/options', 'POST', {}),
  };
}

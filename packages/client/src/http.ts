import type { Clock } from './clock.js';
import { TesseraError } from './errors.js';
import { isErrorCode } from '@tessera/protocol';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  credentials?: RequestCredentials;
}

export interface HttpResult<T> {
  body: T;
  /** The server's clock from the `Date` header, when the browser lets us read it. */
  serverDateMs: number | null;
  receivedAtMs: number;
}

/** JSON over fetch; every failure becomes a TesseraError with the server's code. */
export async function requestJson<T>(
  fetchFn: FetchLike,
  clock: Clock,
  url: string,
  request: HttpRequest,
  timeoutMs: number,
): Promise<HttpResult<T>> {
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const timer = clock.setTimeout(() => controller?.abort(), timeoutMs);
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: request.method ?? 'POST',
      headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      credentials: request.credentials,
      signal: controller?.signal,
    });
  } catch (cause) {
    const timedOut = controller?.signal.aborted === true;
    throw new TesseraError(timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', timedOut ? 'request timed out' : 'network error', {
      cause,
    });
  } finally {
    clock.clearTimeout(timer);
  }
  const receivedAtMs = clock.now();
  const date = Date.parse(response.headers.get('date') ?? '');
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw errorFromResponse(response, body);
  return { body: body as T, serverDateMs: Number.isNaN(date) ? null : date, receivedAtMs };
}

function errorFromResponse(response: Response, body: unknown): TesseraError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const status = response.status;
  const code = isErrorCode(error?.code)
    ? error.code
    : status === 401
      ? 'UNAUTHENTICATED'
      : status === 429
        ? 'RATE_LIMITED'
        : status === 503
          ? 'UNAVAILABLE'
          : status >= 500
            ? 'INTERNAL'
            : 'BAD_REQUEST';
  const retryAfterSeconds = Number(response.headers.get('retry-after'));
  return new TesseraError(code, typeof error?.message === 'string' ? error.message : `HTTP ${status}`, {
    status,
    retryAfterMs: retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : undefined,
  });
}

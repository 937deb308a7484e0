import type { ConnectionState } from '@tessera/client';
import type { Strings } from './strings-en.js';
import { fill, t } from './strings.js';

/** What the widget says to people about the connection. Codes stay for programs; these are for humans. */
export function stateText(state: ConnectionState): string {
  const key = {
    disconnected: 'stateDisconnected',
    connecting: 'stateConnecting',
    connected: 'stateConnected',
    reconnecting: 'stateReconnecting',
    closed: 'stateClosed',
  } as const;
  return t[key[state]];
}

const ERROR_TEXT: Record<string, keyof Strings> = {
  PAYLOAD_TOO_LARGE: 'errTooLong',
  INVALID_CREDENTIALS: 'errCredentials',
  ORIGIN_NOT_ALLOWED: 'errOrigin',
  SESSION_REVOKED: 'errSessionEnded',
  INVALID_TOKEN: 'errSessionEnded',
  REFRESH_TOKEN_REUSED: 'errSessionEnded',
  TOKEN_EXPIRED: 'errSessionEnded',
  UNAUTHENTICATED: 'errSessionEnded',
  NETWORK_ERROR: 'errNetwork',
  TIMEOUT: 'errNetwork',
  UNAVAILABLE: 'errUnavailable',
  CONFLICT: 'errConflict',
  FORBIDDEN: 'errForbidden',
  BAD_REQUEST: 'errBadRequest',
  AGENT_UNAVAILABLE: 'errAgentUnavailable',
  AGENT_TIMEOUT: 'errAgentTimeout',
  FLOW_DENIED: 'errFlowDenied',
  FLOW_EXPIRED: 'errFlowExpired',
  CLIENT_CLOSED: 'errClientClosed',
};

export function errorText(error: unknown): string {
  const { code, retryAfterMs } = (error ?? {}) as { code?: string; retryAfterMs?: number };
  if (code === 'RATE_LIMITED') {
    return retryAfterMs ? fill(t.errRateLimitedFor, { seconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) }) : t.errRateLimited;
  }
  return t[(code && ERROR_TEXT[code]) || 'errUnknown'];
}

/** Failures the widget recovers from by itself, shown only as the connection state. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'UNAVAILABLE' || code === 'CLIENT_CLOSED';
}

export function formatDate(epochMs: number): string {
  try {
    return new Date(epochMs).toLocaleString(t.locale, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return new Date(epochMs).toISOString();
  }
}
